import { describe, expect, it } from 'vitest';
import { loadBrokerObject } from '../../../src/broker/config.js';

const good = { issuer: 'https://broker.test', tls: { cert: 'c.pem', key: 'k.pem', clientCa: 'ca.pem' }, keys: { dir: 'keys' }, grants: 'grants.yaml', store: 'file:state.jsonl' };

describe('broker config', () => {
  it('fills in the documented defaults', () => {
    const result = loadBrokerObject(good, '/tmp');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.config).toMatchObject({ listen: { address: '0.0.0.0', port: 8443 }, admin: { address: '127.0.0.1', port: 9902 }, keys: { algorithm: 'ES256', rotateEvery: null, prepublish: '5m' }, tokens: { maxLifetime: '1h' }, admins: [], auditFile: null });
  });

  it('reports every mistake with its key path', () => {
    const result = loadBrokerObject({ ...good, issuer: 'http://broker', store: 'mysql://x', admins: ['spiffe://*/x'], keys: { dir: 'k', rotateEvery: '1m', prepublish: '5m', extra: true }, tls: { cert: 'c' } }, '/tmp');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        'issuer: must be an https:// URL (RFC 8414 issuer identifier)',
        'store: must be file:PATH (one broker) or redis://HOST:PORT[/DB] (replicas sharing state)',
        'keys.extra: unknown key',
        'tls.key: is required',
        'tls.clientCa: is required',
      ]),
    );
    expect(result.errors.some((error) => error.startsWith('admins[0]: '))).toBe(true);
    const rotation = loadBrokerObject({ ...good, keys: { dir: 'k', rotateEvery: '1m', prepublish: '5m' } }, '/tmp');
    expect(rotation).toEqual({ ok: false, errors: ['keys.rotateEvery: must be longer than keys.prepublish'] });
  });
});
