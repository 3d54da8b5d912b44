// `store:` → a store. file:PATH is the embedded default for one broker; redis:// for replicas.
import { FileStore } from './file-store.js';
import { RedisStore } from './redis-store.js';
import type { BrokerStore } from './store.js';

export function openStore(url: string, issuer: string, resolvePath: (path: string) => string, onError: (message: string) => void): BrokerStore {
  if (url.startsWith('file:')) return new FileStore(resolvePath(url.slice('file:'.length)));
  return new RedisStore(url, issuer, onError);
}
