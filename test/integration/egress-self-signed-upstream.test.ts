// Egress: an upstream presenting a self-signed certificate (not from the trust bundle) fails
// chain verification: 502 upstream_cert_invalid, and it never receives an HTTP request.
import { expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appCall, egressUpstream, ORDERS_ID, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import type { CertFiles, TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let rogue: TlsUpstream;
let sidecar: RunningEgress;

withEgressScenario((started) => ({ pki, upstream: rogue, sidecar } = started), {
  // A self-signed leaf with the expected SPIFFE ID, made by the openssl CLI: only the chain is wrong.
  serve: (pki) => {
    const cert = join(pki.dir, 'rogue.pem');
    const key = join(pki.dir, 'rogue-key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=orders',
      '-addext', `subjectAltName=URI:${ORDERS_ID},IP:127.0.0.1`, '-addext', 'extendedKeyUsage=serverAuth', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') } as CertFiles;
  },
  upstreams: ({ pki, upstream: rogue }) => [egressUpstream(pki, 'orders', rogue.url, { identity: { spiffeId: ORDERS_ID } })],
});

test('a self-signed upstream gets 502 upstream_cert_invalid and no request', async () => {
  const response = await appCall(sidecar.egressUrl, '/orders/7', 'orders');

  expect(response.status).toBe(502);
  expect(response.json()).toMatchObject({ error: 'bad_gateway', reason: 'upstream_cert_invalid' });
  expect(rogue.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_upstream_tls_handshakes_total', { listener: 'out', upstream: 'orders', result: 'failure', reason: 'upstream_cert_invalid' })).toBe(1);
  const audit = sidecar.logs.requests();
  expect(audit[0]).toMatchObject({ decision: 'deny', reason: 'upstream_cert_invalid', status: 502 });
  expect(JSON.stringify(audit[0])).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
});
