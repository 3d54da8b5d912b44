// `palisade broker -c broker.yaml --check-least-privilege palisade.yaml` as a real process:
// it starts, reports at once each grant broader than the audience's routes need, serves
// tokens, and SIGTERM stops it with exit 0.
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BROKER_ISSUER, getToken } from '../helpers/broker.js';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
let broker: LongRunning;

beforeAll(async () => {
  pki = await makePki();
}, 120_000);

afterAll(() => {
  broker?.kill();
  pki?.cleanup();
});

test('reports over-broad grants at start and serves tokens', async () => {
  const grants = pki.write('grants.yaml', stringify({ grants: [{ name: 'frontend-orders', identity: IDS.frontend, audiences: [IDS.server], scopes: ['orders:read', 'orders:admin'], defaultScopes: ['orders:read'] }] }));
  const audience = pki.write(
    'orders-palisade.yaml',
    stringify({
      inbound: [
        {
          name: 'app',
          port: 8443,
          tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath },
          upstream: { url: 'http://127.0.0.1:8080' },
          tokens: { issuers: [{ name: 'broker', issuer: BROKER_ISSUER, audiences: [IDS.server], jwks: 'jwks.json' }] },
          routes: [{ name: 'read', methods: ['GET'], path: '/orders/**', allow: [IDS.frontend], scopes: { allOf: ['orders:read'] } }],
        },
      ],
    }),
  );
  const config = pki.write(
    'broker.yaml',
    stringify({ issuer: BROKER_ISSUER, listen: { address: '127.0.0.1', port: 0 }, admin: { address: '127.0.0.1', port: 0 }, tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath }, keys: { dir: 'keys' }, grants, store: 'file:state.jsonl' }),
  );
  broker = startCli(['broker', '-c', config, '--check-least-privilege', audience]);
  const listen = await broker.waitFor(/"listen":"127\.0\.0\.1:(\d+)"/, 90_000);
  await broker.waitFor(/least privilege: grant frontend-orders holds scopes no route of .* requires: orders:admin/, 30_000);
  expect(await getToken(pki, `https://127.0.0.1:${listen[1] as string}`, pki.frontend)).toMatchObject({ ok: true });
  broker.child.kill('SIGTERM');
  expect(await broker.exited()).toBe(0);
}, 150_000);
