// Each certificate finding, proven by a Node TLS server whose certificate or chain has exactly
// that defect and nothing else: the probe's certificate check reports that id and no other
// (besides the low cert_no_revocation_info every test certificate carries).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCa, createLeaf, type IssuedCert, type LeafOptions } from '../../src/certs/factory.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { probeLocal, startTarget } from '../helpers/probe-target.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let pki: TestPki;
let root: IssuedCert;
let intermediate: IssuedCert;
let intermediate2: IssuedCert;

beforeAll(async () => {
  pki = await makePki();
  root = pki.ca;
  intermediate = await createCa({ commonName: 'Palisade Test Intermediate', issuer: root });
  intermediate2 = await createCa({ commonName: 'Palisade Test Intermediate 2', issuer: intermediate });
});
afterAll(() => pki?.cleanup());

const server = (options: Partial<LeafOptions> = {}, issuer?: IssuedCert) =>
  createLeaf({ issuer: issuer ?? root, uris: [IDS.server], dnsNames: ['localhost'], extendedKeyUsages: ['serverAuth'], ...options });

interface Case {
  readonly name: string;
  /** The certificate chain the server sends, leaf first, and its key. */
  make(): Promise<{ chain: string; key: string }>;
  readonly expect: string[];
  readonly probe?: { expectIdentity?: string; maxLifetimeMs?: number; ca?: string };
  readonly severity?: string;
}

const leafOnly = (options: Partial<LeafOptions> = {}) => async () => {
  const leaf = await server(options);
  return { chain: leaf.certPem, key: leaf.keyPem };
};

const CASES: Case[] = [
  { name: 'a healthy certificate', make: leafOnly(), expect: [], probe: { expectIdentity: IDS.server } },
  {
    name: 'a chain from a CA the bundle does not hold',
    make: async () => {
      const other = await createCa({ commonName: 'Some Other CA' });
      const leaf = await server({}, other);
      return { chain: leaf.certPem + other.certPem, key: leaf.keyPem };
    },
    // Sent with its (self-signed) root, as such servers usually are; without it the chain is also incomplete.
    expect: ['cert_untrusted', 'chain_includes_root'],
  },
  {
    name: 'a leaf sent without its intermediate',
    make: async () => {
      const leaf = await server({}, intermediate);
      return { chain: leaf.certPem, key: leaf.keyPem };
    },
    expect: ['cert_untrusted', 'chain_incomplete'],
  },
  {
    name: 'intermediates sent out of order',
    make: async () => {
      const leaf = await server({}, intermediate2);
      return { chain: leaf.certPem + intermediate.certPem + intermediate2.certPem, key: leaf.keyPem };
    },
    expect: ['chain_out_of_order'],
  },
  {
    name: 'the root sent along',
    make: async () => {
      const leaf = await server({}, intermediate);
      return { chain: leaf.certPem + intermediate.certPem + root.certPem, key: leaf.keyPem };
    },
    expect: ['chain_includes_root'],
  },
  { name: 'an expired certificate', make: leafOnly({ notBefore: new Date(Date.now() - 2 * DAY), notAfter: new Date(Date.now() - DAY) }), expect: ['cert_expired'] },
  { name: 'a certificate not valid yet', make: leafOnly({ notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 2 * DAY) }), expect: ['cert_not_yet_valid'] },
  {
    name: 'a 90-day certificate with 20 minutes left',
    make: leafOnly({ notBefore: new Date(Date.now() - 90 * DAY + 20 * 60_000), notAfter: new Date(Date.now() + 20 * 60_000) }),
    expect: ['cert_expiring_soon'],
    severity: 'high',
  },
  { name: 'a 1-hour certificate with 20 minutes left (healthy)', make: leafOnly({ notBefore: new Date(Date.now() - 40 * 60_000), notAfter: new Date(Date.now() + 20 * 60_000) }), expect: [] },
  { name: 'a 30-day certificate against --max-lifetime 24h', make: leafOnly({ notAfter: new Date(Date.now() + 30 * DAY) }), expect: ['cert_lifetime_too_long'], probe: { maxLifetimeMs: DAY } },
  { name: 'an extendedKeyUsage without serverAuth', make: leafOnly({ extendedKeyUsages: ['clientAuth'] }), expect: ['cert_missing_server_auth'] },
  { name: 'a leaf with CA:true', make: leafOnly({ isCa: true }), expect: ['cert_is_ca'] },
  { name: 'a certificate for another name', make: leafOnly({ dnsNames: ['other.example.org'] }), expect: ['cert_name_mismatch'] },
  { name: 'another workload identity', make: leafOnly(), expect: ['identity_mismatch'], probe: { expectIdentity: IDS.frontend } },
  { name: 'a malformed SPIFFE ID', make: leafOnly({ uris: ['spiffe://Test.Palisade.Local/ns/app'] }), expect: ['spiffe_id_malformed'] },
  { name: 'two SPIFFE IDs', make: leafOnly({ uris: [IDS.server, IDS.frontend] }), expect: ['spiffe_id_multiple'] },
];

for (const testCase of CASES) {
  test(`${testCase.name}: ${testCase.expect.join(', ') || 'no finding'}`, async () => {
    const { chain, key } = await testCase.make();
    const target = await startTarget({ cert: chain, key });
    try {
      const report = await probeLocal(target.port, { ca: root.certPem, checks: ['certificate'], ...testCase.probe });
      const found = (report.checks.certificate?.findings ?? []).filter((finding) => finding.id !== 'cert_no_revocation_info');
      expect(found.map((finding) => finding.id).sort(), JSON.stringify(found, null, 2)).toEqual([...testCase.expect].sort());
      if (testCase.severity) expect(found.find((finding) => finding.id === testCase.expect[0])?.severity).toBe(testCase.severity);
    } finally {
      await target.close();
    }
  });
}
