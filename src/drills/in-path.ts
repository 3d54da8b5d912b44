// In-path drills in a staging sidecar: after a sampled request's genuine response is done
// (2xx: the genuine request is the baseline), send the app (inbound) or the upstream (egress)
// copies of the forwarded request, each with one forgery from in-path-scenarios.ts:
//   vulnerable  the copy was answered 2xx, like the genuine request;
//   resisted    401 or 403;
//   error       any other status, or the copy failed.
// The listener calls afterForward() once the caller has its response: nothing here can touch
// that response. Results go to the `report` callback (the Recorder: metric and audit line).
import type { InPathDrillsConfig } from './in-path-schema.js';
import { IN_PATH_SCENARIOS, type InPathScenario } from './in-path-scenarios.js';
import type { Outcome } from './scenario.js';

export interface ForwardedRequest {
  /** Inbound: the route name; egress: the upstream name (what `only` selects). */
  readonly route: string;
  /** The metric label `target`: the inbound listener, or the egress upstream. */
  readonly target: string;
  readonly method: string;
  readonly path: string;
  /** Header name/value pairs exactly as forwarded. */
  readonly headers: readonly string[];
  /** The forwarded body; `streamed` when the sidecar did not hold it (such requests are not copied). */
  readonly body: Buffer | null | 'streamed';
  /** The genuine response's status. */
  readonly status: number;
}

export interface CopyRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: string[];
  readonly body: Buffer | null;
}

/** Sends one copy where the genuine request went; resolves with its status. */
export type SendCopy = (copy: CopyRequest, timeoutMs: number) => Promise<number>;

export interface InPathRecord {
  readonly listener: string;
  readonly scenario: string;
  readonly target: string;
  readonly outcome: Outcome;
  readonly evidence: string;
}

const header = (headers: readonly string[], name: string): string | undefined => {
  for (let i = 0; i < headers.length; i += 2) if ((headers[i] as string).toLowerCase() === name) return headers[i + 1];
  return undefined;
};

const without = (headers: readonly string[], names: ReadonlySet<string>): string[] => {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!names.has((headers[i] as string).toLowerCase())) out.push(headers[i] as string, headers[i + 1] as string);
  return out;
};

/** Undici frames the copy's body itself: a stale length would be a framing error, not a drill. */
const FRAMING = new Set(['content-length', 'transfer-encoding']);
const SIGNATURE_FIELDS = new Set(['signature', 'signature-input']);

/** The first header field (not a derived component, not content-digest) the first signature covers. */
export function coveredHeader(headers: readonly string[]): string | undefined {
  const input = header(headers, 'signature-input');
  const list = input ? /\(([^)]*)\)/.exec(input)?.[1] : undefined;
  if (!list) return undefined;
  for (const match of list.matchAll(/"([^"]+)"/g)) {
    const name = (match[1] as string).toLowerCase();
    if (!name.startsWith('@') && name !== 'content-digest' && header(headers, name) !== undefined) return name;
  }
  return undefined;
}

/** The copy for one scenario, or undefined when the forgery does not apply to this request. */
export function forge(scenario: InPathScenario, request: ForwardedRequest): CopyRequest | undefined {
  if (request.body === 'streamed') return undefined;
  const base = { method: request.method, path: request.path, headers: without(request.headers, FRAMING), body: request.body };
  switch (scenario.needs) {
    case 'nothing':
      return base;
    case 'body':
      return request.body && request.body.length > 0 ? { ...base, body: Buffer.concat([request.body, Buffer.from(' ')]) } : undefined;
    case 'covered_header': {
      const name = coveredHeader(request.headers);
      if (!name) return undefined;
      const headers = [...base.headers];
      for (let i = 0; i < headers.length; i += 2) if ((headers[i] as string).toLowerCase() === name) headers[i + 1] = `${headers[i + 1] as string}-forged`;
      return { ...base, headers };
    }
    case 'signature':
      return header(request.headers, 'signature') !== undefined ? { ...base, headers: without(base.headers, SIGNATURE_FIELDS) } : undefined;
    case 'token':
      return header(request.headers, 'authorization') !== undefined ? { ...base, headers: without(base.headers, new Set(['authorization'])) } : undefined;
  }
}

export function copyVerdict(status: number): [Outcome, string] {
  if (status >= 200 && status < 300) return ['vulnerable', `the forged copy was answered ${status}, like the genuine request`];
  if (status === 401 || status === 403) return ['resisted', `the forged copy was answered ${status}`];
  return ['error', `the forged copy was answered ${status}: neither accepted nor refused with 401/403`];
}

export class InPathDrills {
  /** Start times of the copies sent in the last minute (at most maxPerMinute). */
  private readonly recent: number[] = [];
  private readonly scenarios: readonly InPathScenario[];

  constructor(
    private readonly config: InPathDrillsConfig,
    private readonly listener: string,
    private readonly report: (record: InPathRecord) => void,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.scenarios = IN_PATH_SCENARIOS.filter((scenario) => config.forgeries.includes(scenario.name));
  }

  /** Called by the listener after the genuine response is done. Never throws, never waits. */
  afterForward(request: ForwardedRequest, send: SendCopy): void {
    if (request.status < 200 || request.status >= 300) return;
    if (!this.config.methods.includes(request.method)) return;
    if (this.config.only && !this.config.only.includes(request.route)) return;
    if (this.random() >= this.config.sampleRate) return;
    const copies = this.scenarios.flatMap((scenario) => {
      const copy = forge(scenario, request);
      return copy ? [{ scenario, copy }] : [];
    });
    if (copies.length > 0) void this.send(request, copies, send);
  }

  private take(): boolean {
    const now = this.now();
    while (this.recent.length > 0 && (this.recent[0] as number) <= now - 60_000) this.recent.shift();
    if (this.recent.length >= this.config.maxPerMinute) return false;
    this.recent.push(now);
    return true;
  }

  private async send(request: ForwardedRequest, copies: ReadonlyArray<{ scenario: InPathScenario; copy: CopyRequest }>, send: SendCopy): Promise<void> {
    for (const { scenario, copy } of copies) {
      if (!this.take()) return;
      let outcome: Outcome;
      let evidence: string;
      try {
        [outcome, evidence] = copyVerdict(await send(copy, this.config.timeoutMs));
      } catch (error) {
        outcome = 'error';
        evidence = `the forged copy failed: ${(error as { code?: string }).code ?? (error as Error).message}`;
      }
      try {
        this.report({ listener: this.listener, scenario: scenario.name, target: request.target, outcome, evidence });
      } catch {
        // Telemetry must never break the listener.
      }
    }
  }
}
