// Constraints between `server.*` keys that no single field can express: the ones Node enforces
// when the listener starts. Unchecked, Node throws with its own message, naming no config key,
// and a config that `validate` accepted crash-loops the pod. (Single-field limits, such as
// Node's 2^31−1 ms timer maximum, are in the schema itself.)
type Issue = (path: Array<string | number>, message: string) => void;

interface ServerTimeouts {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export function serverConfigIssues(server: ServerTimeouts, at: Array<string | number>, issue: Issue): void {
  // http.createServer: ERR_OUT_OF_RANGE 'The value of "headersTimeout" is out of range. It must be <= requestTimeout.'
  if (server.headersTimeoutMs > server.requestTimeoutMs) {
    issue([...at, 'requestTimeoutMs'], `must be at least headersTimeoutMs (${server.headersTimeoutMs}): Node refuses a whole-request timeout shorter than the headers timeout`);
  }
}
