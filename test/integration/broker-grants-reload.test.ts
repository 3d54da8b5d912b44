// The grants file is hot-reloaded: a new grant works without a restart, a broken file keeps
// the running grants (and says why).
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GRANTS, getToken, withBroker, type RunningBroker } from '../helpers/broker.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let broker: RunningBroker;

withBroker((started) => ({ pki, broker } = started));

describe('broker grants reload', () => {
  it('picks up a changed grants file, and keeps the running grants when the new file is broken', async () => {
    expect(await getToken(pki, broker.url, pki.intruder, { scope: 'reports:read' })).toMatchObject({ ok: false, error: 'unauthorized_client' });
    broker.setGrants([...DEFAULT_GRANTS, { name: 'intruder-reports', identity: IDS.intruder, audiences: ['reports'], scopes: ['reports:read'], lifetime: '1m' }]);
    await until('the new grant is served', async () => (await getToken(pki, broker.url, pki.intruder, { scope: 'reports:read' })).ok);
    const granted = await getToken(pki, broker.url, pki.intruder, { scope: 'reports:read' });
    expect(granted.ok && granted.token.raw['expires_in']).toBe(60);

    writeFileSync(broker.grantsPath, 'grants:\n  - name: BAD NAME\n    identity: nope\n');
    await until('the failed reload is logged', async () => broker.logs.lines().some((line) => line['msg'] === 'grants reload failed; keeping the running grants'));
    const failure = broker.logs.lines().find((line) => line['msg'] === 'grants reload failed; keeping the running grants') as { errors: string[] };
    expect(failure.errors.some((error) => error.includes('grants[0].name'))).toBe(true);
    expect((await getToken(pki, broker.url, pki.intruder, { scope: 'reports:read' })).ok).toBe(true);
  });
});
