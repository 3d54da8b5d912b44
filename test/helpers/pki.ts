// Real certificates for tests, made with the same factory `palisade certs init` uses, written
// to a temp directory so configs can name them as files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createLeaf, type IssuedCert, type LeafOptions } from '../../src/certs/factory.js';

export const TRUST_DOMAIN = 'test.palisade.local';
export const IDS = {
  server: `spiffe://${TRUST_DOMAIN}/ns/app/sa/server`,
  frontend: `spiffe://${TRUST_DOMAIN}/ns/app/sa/frontend`,
  intruder: `spiffe://${TRUST_DOMAIN}/ns/other/sa/intruder`,
};

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly issued: IssuedCert;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: IssuedCert;
  readonly caPath: string;
  readonly server: CertFiles;
  readonly frontend: CertFiles;
  readonly intruder: CertFiles;
  /** Issue another leaf from this CA (or `options.issuer`) and write it as NAME.pem / NAME-key.pem. */
  issue(name: string, options: Partial<LeafOptions>): Promise<CertFiles>;
  /** Write arbitrary text into the PKI dir (for corrupt-file tests); returns the path. */
  write(name: string, text: string): string;
  cleanup(): void;
}

export async function makePki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-test-'));
  const ca = await createCa({ commonName: 'Palisade Test CA' });
  const caPath = join(dir, 'ca.pem');
  writeFileSync(caPath, ca.certPem);
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const issue = async (name: string, options: Partial<LeafOptions>): Promise<CertFiles> => {
    const issued = await createLeaf({ issuer: ca, ...options });
    return { cert: write(`${name}.pem`, issued.certPem), key: write(`${name}-key.pem`, issued.keyPem), certPem: issued.certPem, keyPem: issued.keyPem, issued };
  };
  const server = await issue('server', { uris: [IDS.server], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const frontend = await issue('frontend', { uris: [IDS.frontend] });
  const intruder = await issue('intruder', { uris: [IDS.intruder] });
  return { dir, ca, caPath, server, frontend, intruder, issue, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
