// The shared scenario fixture itself: one call starts a PKI, a recording app and a sidecar that
// answer over real mTLS; stop() leaves no listening port and no key on disk; and a sidecar that
// refuses its config fails the start with the loader's errors, after closing what was started.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { expect, test } from 'vitest';
import { IDS } from '../helpers/pki.js';
import { startScenario } from '../helpers/scenario.js';

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('a started scenario answers through the sidecar; stop() closes both ports and removes the PKI', async () => {
  const scenario = await startScenario();
  const response = await scenario.request('/api/orders?id=1', { method: 'POST', body: 'hello' });
  expect(response.status).toBe(200);
  expect(scenario.upstream.received.map((request) => [request.method, request.url, request.body.toString()])).toEqual([['POST', '/api/orders?id=1', 'hello']]);
  expect(scenario.logs.requests()).toEqual([expect.objectContaining({ peer: IDS.frontend, route: 'api', decision: 'allow' })]);
  expect((await scenario.request('/api/orders', { who: scenario.pki.intruder })).json()['reason']).toBe('identity_not_allowed');

  await scenario.stop();
  expect(existsSync(scenario.pki.dir)).toBe(false);
  expect(await listening(scenario.sidecar.port)).toBe(false);
  expect(await listening(scenario.upstream.port)).toBe(false);
});

test('a config the loader refuses fails the start with its key path, and leaves nothing running', async () => {
  let seen: { dir: string; port: number } | undefined;
  const start = startScenario({
    sidecar: ({ pki, upstream }) => {
      seen = { dir: pki.dir, port: upstream.port };
      return { listener: { bogus: true } };
    },
  });
  await expect(start).rejects.toThrow('inbound[0].bogus: unknown key');
  expect(seen).toBeDefined();
  expect(existsSync(seen!.dir)).toBe(false);
  expect(await listening(seen!.port)).toBe(false);
});
