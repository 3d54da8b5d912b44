// Building listener states: every error is returned at once, each naming its listener; what a
// failed build created is closed and what it shares with the running states is not; nothing
// starts before activate.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject, type LoadedConfig } from '../../../src/config/load.js';
import { activateListenerStates, buildListenerStates, discardListenerStates, type StateEvents } from '../../../src/proxy/listener-state.js';
import { makePki, type TestPki } from '../../helpers/pki.js';
import { sidecarConfig } from '../../helpers/sidecar.js';

let pki: TestPki;
const events: StateEvents = { drill: () => undefined, upstreamHandshake: () => undefined, egressTokenEvents: () => ({ fetched: () => undefined, expiry: () => undefined }) };

function loaded(upstreamUrl: string, second = 'http://127.0.0.1:2'): LoadedConfig {
  const config = sidecarConfig(pki, { upstreamUrl }) as { inbound: Array<Record<string, unknown>> };
  config.inbound.push({ name: 'second', address: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath }, upstream: { url: second }, routes: [{ name: 'all', path: '/**', allow: ['*'] }] });
  const result = loadConfigObject(config, pki.dir);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value;
}

beforeAll(async () => {
  pki = await makePki();
});

afterAll(() => pki?.cleanup());

test('the loaded config is deep-frozen', () => {
  const config = loaded('http://127.0.0.1:1').config;
  expect(Object.isFrozen(config)).toBe(true);
  expect(Object.isFrozen(config.inbound[0]!.routes[0]!.allow)).toBe(true);
  expect(Object.isFrozen(config.inbound[0]!.tls.peer)).toBe(true);
});

test('a failed build returns every error and closes the pools it created, not the running ones', async () => {
  const first = buildListenerStates(loaded('http://127.0.0.1:1'), undefined, events);
  if (!first.ok) throw new Error(first.errors.join('\n'));
  activateListenerStates(first.states);
  const running = first.states;

  // The first listener moves to a new app (a new pool); the second keeps its app (its pool is shared).
  const next = loaded('http://127.0.0.1:3');
  const built = buildListenerStates({ ...next, tls: new Map() }, running, events);
  expect(built.ok).toBe(false);
  if (built.ok) return;
  expect(built.errors).toHaveLength(2);
  expect(built.errors[0]).toMatch(/^inbound\[0\] \(app\): /);
  expect(built.errors[1]).toMatch(/^inbound\[1\] \(second\): /);
  expect(running.inbound.get('app')!.pool.closed).toBe(false);
  expect(running.inbound.get('second')!.pool.closed).toBe(false);

  // A build that succeeds but is never swapped in: discarded, its own pool closed, the shared one kept.
  const unused = buildListenerStates(next, running, events);
  if (!unused.ok) throw new Error(unused.errors.join('\n'));
  const created = unused.states.inbound.get('app')!.pool;
  expect(created).not.toBe(running.inbound.get('app')!.pool);
  expect(unused.states.inbound.get('second')!.pool).toBe(running.inbound.get('second')!.pool);
  discardListenerStates(unused.states, running);
  await new Promise((resolve) => setImmediate(resolve));
  expect(created.closed).toBe(true);
  expect(running.inbound.get('app')!.pool.closed).toBe(false);
  expect(running.inbound.get('second')!.pool.closed).toBe(false);
  for (const state of running.inbound.values()) await state.pool.close();
});
