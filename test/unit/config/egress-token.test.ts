// egress[].upstreams[].token: defaults, and mistakes reported with their key paths.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfigObject } from '../../../src/config/load.js';
import { egressConfig, egressUpstream } from '../../helpers/egress.js';
import { makePki, type TestPki } from '../../helpers/pki.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki.cleanup());

const withToken = (token: unknown) => egressConfig(pki, [egressUpstream(pki, 'orders', 'https://orders.internal:8443', { token })]);

function errorsOf(config: unknown): string[] {
  const result = loadConfigObject(config, pki.dir);
  return result.ok ? [] : result.errors;
}

describe('egress upstream token config', () => {
  test('defaults', () => {
    const result = loadConfigObject(withToken({ tokenUrl: 'https://broker:8443/token' }), pki.dir);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.config.egress[0]?.upstreams[0]?.token).toEqual({ tokenUrl: 'https://broker:8443/token', timeoutMs: 5000, retryBodyBytes: 65536 });
  });

  test('an http token endpoint, a bad scope list, an unknown key and a missing ca are errors with key paths', () => {
    expect(errorsOf(withToken({ tokenUrl: 'http://broker/token', scope: 'a  b', extra: 1 }))).toEqual(
      expect.arrayContaining([
        'egress[0].upstreams[0].token.tokenUrl: must be an https:// URL of the token endpoint',
        'egress[0].upstreams[0].token.scope: must be space-delimited RFC 6749 scope tokens',
        'egress[0].upstreams[0].token.extra: unknown key',
      ]),
    );
    expect(errorsOf(withToken({ tokenUrl: 'https://broker/token', ca: 'nope.pem' }))).toEqual(['egress[0].upstreams[0].token.ca: file not found: nope.pem']);
  });
});
