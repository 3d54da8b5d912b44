// The files `probes:` names must exist and parse when the config loads, so `palisade validate`
// reports them with their key paths. The scheduler re-reads them on every run (rotation needs
// no reload).
import { MaterialError, parseCertificates, readMaterialFile } from '../tls/material.js';
import type { Config } from './schema.js';

export function probeFileErrors(config: Config, baseDir: string): string[] {
  const errors: string[] = [];
  config.probes.forEach((probe, index) => {
    for (const key of ['ca', 'cert', 'key'] as const) {
      const file = probe[key];
      if (!file) continue;
      const keyPath = `probes[${index}].${key}`;
      try {
        const text = readMaterialFile(keyPath, baseDir, file).toString('utf8');
        if (key !== 'key') parseCertificates(keyPath, text, file);
        else if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new MaterialError(keyPath, `no PEM private key in ${file}`);
      } catch (error) {
        if (error instanceof MaterialError) errors.push(error.message);
        else throw error;
      }
    }
  });
  return errors;
}
