// The HTTP message as the signature module sees it: no sockets, no proxy. A header list keeps
// every field line in order (duplicates included), as received.

export type HeaderLines = ReadonlyArray<readonly [name: string, value: string]>;

export interface HttpRequestMessage {
  readonly kind: 'request';
  readonly method: string;
  /** The request target as sent: origin-form (/p?q), absolute-form, authority-form or "*". */
  readonly target: string;
  /** "https" or "http": how the message was received or will be sent. */
  readonly scheme: string;
  /** Authority (host[:port]); default the Host header. */
  readonly authority?: string;
  readonly headers: HeaderLines;
  readonly trailers?: HeaderLines;
}

export interface HttpResponseMessage {
  readonly kind: 'response';
  readonly status: number;
  readonly headers: HeaderLines;
  readonly trailers?: HeaderLines;
  /** The request this response answers, for components with the `req` parameter. */
  readonly request?: HttpRequestMessage;
}

export type HttpMessage = HttpRequestMessage | HttpResponseMessage;

/** Node's rawHeaders ([name, value, name, value...]) as header lines. */
export function headerLines(rawHeaders: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) out.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return out;
}

/** Every line of one field (case-insensitive name), in order. */
export function fieldLines(lines: HeaderLines | undefined, name: string): string[] {
  const out: string[] = [];
  if (!lines) return out;
  for (const [fieldName, value] of lines) if (fieldName.length === name.length && fieldName.toLowerCase() === name) out.push(value);
  return out;
}

/** RFC 9421 §2.1: OWS trimmed, obs-fold replaced by one space, repeated lines joined with ", ". */
export function normalizeFieldLine(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ').replace(/^[ \t]+|[ \t]+$/g, '');
}
