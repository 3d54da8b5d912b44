// The identity-authorization check on hand-built requests: a route's `allow` list decides who may
// call it (exact SPIFFE IDs, segment wildcards, `*`), an empty list allows nobody, and a peer
// without an identity is left to peer-identity (one finding per problem, never two).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { identityAuthorizationCheck } from '../../../src/checks/identity-authorization.js';
import { checkContext, reasons, type CheckContext } from '../../helpers/check-context.js';
import { IDS, makePki, type TestPki } from '../../helpers/pki.js';

let pki: TestPki;
let listener: CheckContext;

beforeAll(async () => {
  pki = await makePki();
  listener = checkContext(pki, {
    routes: [
      { name: 'exact', path: '/api/**', allow: [IDS.frontend] },
      { name: 'wildcard', path: '/ns-app/**', allow: ['spiffe://test.palisade.local/ns/app/sa/*'] },
      { name: 'anyone', path: '/public/**', allow: ['*'] },
      { name: 'nobody', path: '/closed/**', allow: [] },
    ],
  });
});
afterAll(() => pki?.cleanup());

test('an identity on the allow list passes', async () => {
  expect(await listener.run(identityAuthorizationCheck, { who: pki.frontend, target: '/api/orders' })).toEqual([]);
});

test('an identity not on the list → identity_not_allowed, naming the identity and the route', async () => {
  const findings = await listener.run(identityAuthorizationCheck, { who: pki.intruder, target: '/api/orders' });
  expect(findings).toEqual([{ check: 'identity-authorization', reason: 'identity_not_allowed', severity: 'deny', detail: `${IDS.intruder} is not allowed on route exact` }]);
});

test('a segment wildcard matches its namespace and nothing outside it', async () => {
  expect(await listener.run(identityAuthorizationCheck, { who: pki.frontend, target: '/ns-app/x' })).toEqual([]);
  expect(await listener.run(identityAuthorizationCheck, { who: pki.server, target: '/ns-app/x' })).toEqual([]);
  expect(reasons(await listener.run(identityAuthorizationCheck, { who: pki.intruder, target: '/ns-app/x' }))).toEqual(['identity_not_allowed']);
});

test('`*` allows any verified identity; an empty list allows nobody', async () => {
  expect(await listener.run(identityAuthorizationCheck, { who: pki.intruder, target: '/public/page' })).toEqual([]);
  expect(reasons(await listener.run(identityAuthorizationCheck, { who: pki.frontend, target: '/closed/x' }))).toEqual(['identity_not_allowed']);
});

test('a peer without an identity is not reported here (peer-identity reports it)', async () => {
  const anonymous = await pki.issue('no-identity', { uris: [] });
  expect(await listener.run(identityAuthorizationCheck, { who: anonymous, target: '/closed/x' })).toEqual([]);
});

test('a DNS identity (identity.sources: dns) is named by kind in the detail', async () => {
  const dnsListener = checkContext(pki, { listener: { identity: { sources: ['dns'] } }, routes: [{ name: 'api', path: '/api/**', allow: [IDS.frontend] }] });
  const dnsPeer = await pki.issue('dns-peer', { uris: [], dnsNames: ['orders.internal'] });
  const findings = await dnsListener.run(identityAuthorizationCheck, { who: dnsPeer, target: '/api/x' });
  expect(findings.map((finding) => finding.detail)).toEqual(['dns:orders.internal is not allowed on route api']);
});
