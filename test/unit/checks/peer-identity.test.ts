// The peer-identity check on hand-built requests: the certificate must yield exactly one
// well-formed identity, in a trust domain tls.peer.trustDomains allows; otherwise bad_spiffe_id
// with what was wrong.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { peerIdentityCheck } from '../../../src/checks/peer-identity.js';
import { checkContext, reasons, type CheckContext } from '../../helpers/check-context.js';
import { IDS, makePki, TRUST_DOMAIN, type TestPki } from '../../helpers/pki.js';

let pki: TestPki;
let listener: CheckContext;

beforeAll(async () => {
  pki = await makePki();
  listener = checkContext(pki, { routes: [{ name: 'public', path: '/public/**', allow: ['*'] }] });
});
afterAll(() => pki?.cleanup());

const at = { target: '/public/x' };

test('one well-formed SPIFFE ID passes', async () => {
  expect(await listener.run(peerIdentityCheck, { ...at, who: pki.frontend })).toEqual([]);
});

test.each([
  ['two SPIFFE IDs', [IDS.frontend, IDS.intruder], 'certificate has 2 SPIFFE IDs; exactly one is allowed'],
  ['a trailing slash', [`${IDS.frontend}/`], 'malformed SPIFFE ID'],
  ['an upper-case scheme', [IDS.frontend.replace('spiffe', 'SPIFFE')], 'malformed SPIFFE ID'],
  ['an encoded slash', [`spiffe://${TRUST_DOMAIN}/ns%2Fapp/sa/frontend`], 'malformed SPIFFE ID'],
])('%s → bad_spiffe_id', async (name, uris, problem) => {
  const cert = await pki.issue(`identity-${name.replace(/\W+/g, '-')}`, { uris });
  const findings = await listener.run(peerIdentityCheck, { ...at, who: cert });
  expect(reasons(findings)).toEqual(['bad_spiffe_id']);
  expect(findings[0]?.detail).toContain(problem);
});

test('no identity under the configured sources → bad_spiffe_id', async () => {
  const bare = await pki.issue('identity-none', { uris: [], dnsNames: ['frontend.local'] });
  expect(reasons(await listener.run(peerIdentityCheck, { ...at, who: bare }))).toEqual(['bad_spiffe_id']);
});

test('tls.peer.trustDomains: an ID from another trust domain → bad_spiffe_id naming it; a listed one passes', async () => {
  const strict = checkContext(pki, {
    routes: [{ name: 'public', path: '/public/**', allow: ['*'] }],
    listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, peer: { trustDomains: [TRUST_DOMAIN] } } },
  });
  const foreign = await pki.issue('identity-foreign', { uris: ['spiffe://other.example/ns/app/sa/frontend'] });
  expect(await strict.run(peerIdentityCheck, { ...at, who: pki.frontend })).toEqual([]);
  expect(await strict.run(peerIdentityCheck, { ...at, who: foreign })).toEqual([
    { check: 'peer-identity', reason: 'bad_spiffe_id', severity: 'deny', detail: 'trust domain other.example is not in tls.peer.trustDomains' },
  ]);
});
