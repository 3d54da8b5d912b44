// Cross-field rules of server.* and the new limits' defaults, through the real config loader.
import { expect, test } from 'vitest';
import { loadConfigObject } from '../../../src/config/load.js';

function config(server: Record<string, unknown>, egressServer?: Record<string, unknown>): Record<string, unknown> {
  return {
    inbound: [{ name: 'app', port: 8443, tls: { cert: 'c.pem', key: 'k.pem', clientCa: 'ca.pem' }, upstream: { url: 'http://127.0.0.1:8080' }, server, routes: [{ name: 'r', path: '/**', allow: ['*'] }] }],
    ...(egressServer
      ? { egress: [{ name: 'out', port: 15001, server: egressServer, upstreams: [{ name: 'u', url: 'https://u.example.org', tls: { cert: 'c.pem', key: 'k.pem', ca: 'ca.pem' }, identity: { dnsName: 'u.example.org' } }] }] }
      : {}),
  };
}

function errors(value: Record<string, unknown>): string[] {
  const result = loadConfigObject(value, '/nonexistent');
  return result.ok ? [] : result.errors;
}

test('requestTimeoutMs below headersTimeoutMs is refused with its key path, inbound and egress', () => {
  const found = errors(config({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 }, { headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 }));
  expect(found.some((error) => error.startsWith('inbound[0].server.requestTimeoutMs') && error.includes('headersTimeoutMs (5000)'))).toBe(true);
  expect(found.some((error) => error.startsWith('egress[0].server.requestTimeoutMs'))).toBe(true);
});

test("a timeout above Node's timer maximum is refused (it would fire after 1 ms)", () => {
  const found = errors(config({ keepAliveTimeoutMs: 2 ** 31 }));
  expect(found.some((error) => error.startsWith('inbound[0].server.keepAliveTimeoutMs') && error.includes("Node's timer limit"))).toBe(true);
});

test('the per-identity share and body buffering are inbound keys: an egress upstream refuses them, but takes the queue keys', () => {
  const value = config({}, {});
  const upstream = (value['egress'] as Array<{ upstreams: Array<Record<string, unknown>> }>)[0]!.upstreams[0]!;
  upstream['maxPending'] = 10;
  upstream['queueTimeoutMs'] = 500;
  // Only file errors remain (the certificates do not exist here): the schema took both keys.
  expect(errors(value).filter((error) => !error.includes('file not found'))).toEqual([]);
  upstream['maxRequestsPerIdentity'] = 10;
  upstream['bufferBodyBytes'] = 0;
  const found = errors(value);
  expect(found.some((error) => error.startsWith('egress[0].upstreams[0]') && error.includes('maxRequestsPerIdentity'))).toBe(true);
  expect(found.some((error) => error.startsWith('egress[0].upstreams[0]') && error.includes('bufferBodyBytes'))).toBe(true);
});
