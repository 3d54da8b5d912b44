// `palisade sign` (the built CLI, run as a child) prints headers that a running sidecar accepts:
// the caller's registered key signs a POST with a body, the request goes through over mTLS.
import { expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { send, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('palisade sign prints Content-Digest, Signature-Input and Signature that the sidecar accepts', async () => {
  const keyFile = setup.pki.write('frontend-sign.pem', setup.frontendKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const body = '{"from":"cli"}';
  const result = await runCli(['sign', '--key', keyFile, '--alg', 'ed25519', '--keyid', 'frontend-key', '--url', `${setup.sidecar.url}/api/orders`, '-H', 'content-type: application/json', '-d', body]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const line of result.stdout.trim().split('\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 2);
  }
  expect(Object.keys(headers)).toEqual(['content-type', 'content-digest', 'signature-input', 'signature']);

  const response = await send(setup, { headers, body });
  expect(response.status).toBe(200);
  expect(setup.upstream.received[0]!.body.toString('utf8')).toBe(body);
});

test('palisade sign --format curl prints a curl command, and a missing --key is a usage error', async () => {
  const keyFile = setup.pki.write('frontend-sign2.pem', setup.frontendKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const curl = await runCli(['sign', '--key', keyFile, '--alg', 'ed25519', '--keyid', 'frontend-key', '--url', 'https://localhost:8443/api/x', '--format', 'curl']);
  expect(curl.code).toBe(0);
  expect(curl.stdout).toMatch(/^curl -X GET -H 'Signature-Input: sig1=\("@method" "@target-uri"\);created=\d+;nonce="[^"]+";keyid="frontend-key"' -H 'Signature: sig1=:[^']+:' 'https:\/\/localhost:8443\/api\/x'\n$/);
  const usage = await runCli(['sign', '--alg', 'ed25519']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('sign needs --key');
});
