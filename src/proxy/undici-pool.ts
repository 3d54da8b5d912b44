// undici's Pool and connector, loaded without the rest of undici.
//
// `import { Pool } from 'undici'` loads undici's index, and with it fetch, WebSocket,
// EventSource, the cache, retry and mock agents and their dependencies: none of which the
// sidecar runs, all of which stays in memory in every pod. Loading only the two modules the
// request path uses keeps ~10 MiB of RSS out of the sidecar (idle VmHWM 94-95 -> 84 MiB).
// Types come from undici's public entry point; test/unit/proxy/undici-pool.test.ts checks these
// are the very classes that entry point exports, so an undici upgrade that moves them fails there.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export type Pool = Undici.Pool;
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;
