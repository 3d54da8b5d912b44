// One call as a given client certificate, and what the sidecar made of it: either an HTTP
// answer (status and reason code) or a refused handshake (the reason and TLS version the
// sidecar logged for it). Tests of certificate rules assert the reason whichever stage refused,
// because which of OpenSSL or the policy check refuses first differs between OpenSSL versions.
import type { ConnectionOptions } from 'node:tls';
import { call, mtlsAgent } from './client.js';
import type { CertFiles, TestPki } from './pki.js';
import type { RunningSidecar } from './sidecar.js';
import { sleep } from './wait.js';

export type Attempt =
  | { readonly stage: 'http'; readonly status: number; readonly reason: string | undefined }
  | { readonly stage: 'handshake'; readonly reason: string; readonly version: string; readonly detail: string };

function handshakeLines(sidecar: RunningSidecar): Array<Record<string, unknown>> {
  return sidecar.logs.lines().filter((line) => line['type'] === 'handshake');
}

/** The next handshake refusal logged after `seen` earlier ones (waits up to 5 s for the async log line). */
export async function nextHandshakeRefusal(sidecar: RunningSidecar, seen: number): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 250; i += 1) {
    const lines = handshakeLines(sidecar);
    if (lines.length > seen) return lines[seen];
    await sleep(20);
  }
  return undefined;
}

export async function attempt(sidecar: RunningSidecar, pki: TestPki, who: CertFiles | undefined, path = '/public/x', extra: ConnectionOptions = {}): Promise<Attempt> {
  const seen = handshakeLines(sidecar).length;
  const agent = mtlsAgent(pki, who, extra as Record<string, unknown>);
  try {
    const response = await call(`${sidecar.url}${path}`, agent);
    let reason: string | undefined;
    try {
      reason = response.json()['reason'] as string | undefined;
    } catch {
      reason = undefined;
    }
    return { stage: 'http', status: response.status, reason };
  } catch {
    const line = await nextHandshakeRefusal(sidecar, seen);
    if (!line) throw new Error('the request failed but the sidecar logged no handshake refusal');
    return { stage: 'handshake', reason: String(line['reason']), version: String(line['version']), detail: String(line['detail']) };
  } finally {
    await agent.close();
  }
}
