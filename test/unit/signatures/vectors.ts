// Loads the shared RFC vectors (test/vectors/, copied into the repo) and turns their messages into the
// signature module's message model.
import { readFileSync } from 'node:fs';
import type { HttpMessage, HttpRequestMessage } from '../../../src/signatures/index.js';

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export interface ParsedMessage {
  kind: 'request' | 'response';
  method?: string;
  target?: string;
  status?: number;
  headers: Array<[string, string]>;
  body?: string;
}

export function toMessage(parsed: ParsedMessage, scheme = 'https', related?: ParsedMessage): HttpMessage {
  if (parsed.kind === 'response') {
    return { kind: 'response', status: parsed.status ?? 200, headers: parsed.headers, ...(related ? { request: toMessage(related, scheme) as HttpRequestMessage } : {}) };
  }
  return { kind: 'request', method: parsed.method ?? 'GET', target: parsed.target ?? '/', scheme, headers: parsed.headers };
}

/**
 * The RFC's printed examples (LF line ends, obs-fold kept): a request line or status line
 * (optional), header lines, then a body or chunked content with trailers.
 */
export function parseRawMessage(text: string, scheme = 'https'): HttpMessage {
  const lines = text.split('\n');
  let kind: 'request' | 'response' = 'request';
  let method = 'GET';
  let target = '/';
  let status = 200;
  const first = lines[0] ?? '';
  let index = 0;
  const request = /^([A-Z]+) (\S+) HTTP\/1\.1$/.exec(first);
  const response = /^HTTP\/1\.1 (\d{3})/.exec(first);
  if (request) {
    method = request[1] as string;
    target = request[2] as string;
    index = 1;
  } else if (response) {
    kind = 'response';
    status = Number(response[1]);
    index = 1;
  }
  const headers: Array<[string, string]> = [];
  for (; index < lines.length; index += 1) {
    const line = lines[index] as string;
    if (line === '') break;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1] as [string, string];
      last[1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  const trailers: Array<[string, string]> = [];
  const rest = lines.slice(index + 1);
  const zero = rest.indexOf('0');
  if (zero !== -1) {
    for (const line of rest.slice(zero + 1)) {
      const colon = line.indexOf(':');
      if (colon > 0) trailers.push([line.slice(0, colon), line.slice(colon + 1)]);
    }
  }
  if (kind === 'response') return { kind, status, headers, trailers };
  return { kind, method, target, scheme, headers, trailers };
}
