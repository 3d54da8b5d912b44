// Client drill against a Palisade egress listener pinned to the upstream's SPIFFE ID: the app
// calls the egress listener over plain HTTP, the egress listener originates mTLS to "orders",
// and the drill's impostors stand where "orders" listens. The listener resists every forgery,
// wrong_identity (a valid staging certificate for another SPIFFE ID) included.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { egressUpstream, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { outcomes, runDrillJson, stagingCa, writeDrillFile } from '../helpers/drill.js';

let pki: TestPki;
let egress: RunningEgress;
let port: number;

/** A port that was free a moment ago: the egress upstream URL must name the impostors' port up front. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}

beforeAll(async () => {
  pki = await makePki();
  port = await freePort();
  egress = await startEgressSidecar(pki, [egressUpstream(pki, 'orders', `https://localhost:${port}`, { identity: { spiffeId: IDS.server } })]);
});
afterAll(async () => {
  await egress.close();
  pki.cleanup();
});

describe('client drill: Palisade egress listener pinned to a SPIFFE ID', () => {
  it('resists every scenario, wrong_identity included', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'egress',
      ca: stagingCa(pki),
      clients: [
        {
          name: 'egress-orders',
          listen: { address: '127.0.0.1', port },
          genuine: { cert: pki.server.cert, key: pki.server.key },
          command: `curl -s -o /dev/null --max-time 5 -H "host: orders" ${egress.egressUrl}/api/orders`,
        },
      ],
    });
    const { cli, report } = await runDrillJson(pki, file);
    expect(report.baselines[0]?.ok).toBe(true);
    // The egress listener presents the service's client certificate to the genuine server.
    expect(report.baselines[0]?.evidence).toContain('client certificate');
    const result = outcomes(report);
    for (const [name, outcome] of Object.entries(result)) {
      expect(outcome, name).toBe(name === 'no_client_cert_request' ? 'vulnerable' : 'resisted');
    }
    expect(Object.keys(result)).toHaveLength(12);
    expect(cli.code).toBe(0);
    // The egress listener's own log names why it refused each impostor.
    expect(egress.logs.raw()).toContain('upstream_identity_mismatch');
    expect(egress.logs.raw()).toContain('upstream_cert_invalid');
  });
});
