// Egress: an SPKI SHA-256 pin on the upstream's leaf key. The pin computed by openssl from the
// upstream certificate lets the call through; a pin of another key refuses it with 502
// upstream_identity_mismatch before any request byte, even though chain and SPIFFE ID are right.
import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { appCall, egressUpstream, type RunningEgress } from '../helpers/egress.js';
import type { CertFiles, TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';
import { ORDERS_ID } from '../helpers/egress.js';

let pki: TestPki;
let upstream: TlsUpstream;
let sidecar: RunningEgress;
let orders: CertFiles;
let other: CertFiles;

/** The curl --pinnedpubkey form, from the openssl CLI: an independent opinion on the pin. */
function opensslPin(certPath: string): string {
  const spki = execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-pubkey']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: spki });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
}

withEgressScenario((started) => ({ pki, upstream, sidecar } = started), {
  serve: async (pki) => {
    orders = await pki.issue('orders', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] });
    other = await pki.issue('other', { uris: [ORDERS_ID] });
    return orders;
  },
  upstreams: ({ pki, upstream }) => [
    egressUpstream(pki, 'orders', upstream.url, { identity: { spiffeId: ORDERS_ID, spkiSha256: [opensslPin(orders.cert)] } }),
    // Same upstream server by another name (its URL spelled with localhost), pinned to another key.
    egressUpstream(pki, 'orders-stale-pin', upstream.url.replace('127.0.0.1', 'localhost'), { identity: { spiffeId: ORDERS_ID, spkiSha256: [opensslPin(other.cert)] } }),
  ],
});

test('the right pin passes and a pin of another key gets 502 upstream_identity_mismatch', async () => {
  const good = await appCall(sidecar.egressUrl, '/orders/1', 'orders');
  expect(good.status).toBe(200);
  expect(upstream.received).toHaveLength(1);

  const stale = await appCall(sidecar.egressUrl, '/orders/2', 'orders-stale-pin');
  expect(stale.status).toBe(502);
  expect(stale.json()).toMatchObject({ error: 'bad_gateway', reason: 'upstream_identity_mismatch' });
  expect(upstream.received).toHaveLength(1);
  expect(JSON.stringify(sidecar.logs.requests()[1])).toContain('is not pinned');
});
