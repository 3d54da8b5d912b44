// What a reload cannot change is named by key path with both values.
import { expect, test } from 'vitest';
import { restartOnlyChanges } from '../../../src/config/reload-rules.js';
import type { Config } from '../../../src/config/schema.js';

const base = {
  admin: { address: '127.0.0.1', port: 9901 },
  reload: { watchFiles: true, debounceMs: 500 },
  inbound: [{ name: 'app', address: '0.0.0.0', port: 8443 }],
  egress: [{ name: 'out', address: '127.0.0.1', port: 15001 }],
} as unknown as Config;

type Bound = { name: string; address: string; port: number };
type Editable = { admin: { address: string; port: number }; reload: { watchFiles: boolean; debounceMs: number }; inbound: Bound[]; egress: Bound[] };

function edit(change: (config: Editable) => void): Config {
  const copy = structuredClone(base) as unknown as Editable;
  change(copy);
  return copy as unknown as Config;
}

test('nothing bound changed: no errors', () => {
  expect(restartOnlyChanges(base, edit(() => undefined))).toEqual([]);
});

test('each bound key is named', () => {
  expect(restartOnlyChanges(base, edit((c) => (c.inbound[0]!.port = 9443)))).toEqual(['inbound[0].port: cannot change on reload (running 8443, new 9443); restart the sidecar']);
  expect(restartOnlyChanges(base, edit((c) => (c.egress[0]!.address = '127.0.0.2')))[0]).toMatch(/^egress\[0\]\.address: /);
  expect(restartOnlyChanges(base, edit((c) => (c.admin.port = 9902)))[0]).toMatch(/^admin\.port: /);
  expect(restartOnlyChanges(base, edit((c) => (c.inbound[0]!.name = 'other')))[0]).toMatch(/^inbound\[0\]\.name: /);
  expect(restartOnlyChanges(base, edit((c) => (c.reload.watchFiles = false)))).toEqual(['reload.watchFiles: cannot change on reload (running true, new false); restart the sidecar']);
});

test('adding a listener needs a restart', () => {
  expect(restartOnlyChanges(base, edit((c) => c.inbound.push({ name: 'b', address: '0.0.0.0', port: 8444 })))[0]).toMatch(/^inbound: 2 listener\(s\), running 1/);
});
