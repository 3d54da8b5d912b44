// Loading a drill file: YAML → the staging gate → strict schema → certificate and key files →
// the plan (which scenarios run against which target). Every problem is reported at once with
// its key path. The allow-list check and the attempt budget come after, in safety.ts, before
// anything is sent.
import { X509Certificate, createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { CertificateIssuer, IssuedCertificate } from '../core/certificate-issuer.js';
import { formatPath } from '../core/key-path.js';
import { importSigningKey } from '../signatures/keys.js';
import { CLIENT_SCENARIOS, type ClientScenario } from './client-scenarios.js';
import { SERVER_SCENARIOS } from './catalog.js';
import { DrillFileSchema, type ClientTargetConfig, type DrillFile, type ServerTargetConfig } from './config.js';
import { needsStagingCa, type PemPair } from './impostor-certs.js';
import type { ServerScenario } from './server-scenario.js';

export const STAGING = 'staging';

export interface LoadedClientTarget {
  readonly config: ClientTargetConfig;
  readonly genuine: PemPair;
  readonly scenarios: readonly ClientScenario[];
}

export interface LoadedServerTarget {
  readonly config: ServerTargetConfig;
  readonly clientCert: PemPair;
  readonly caPem: string;
  readonly tokenKey?: KeyObject;
  readonly signatureKey?: KeyObject;
  readonly scenarios: readonly ServerScenario[];
}

export interface LoadedDrill {
  readonly file: DrillFile;
  readonly stagingCa?: IssuedCertificate;
  /** Loaded `stagingCa` and makes the run's impostor certificates. */
  readonly certificates: CertificateIssuer;
  readonly clients: readonly LoadedClientTarget[];
  readonly servers: readonly LoadedServerTarget[];
}

/**
 * refused: the staging gate said no (exit 2, nothing sent). invalid: the file is wrong (exit 1).
 */
export type DrillLoad = { ok: true; value: LoadedDrill } | { ok: false; kind: 'refused' | 'invalid'; errors: string[] };

/** The staging gate: the file must say so and the process must too. Names every one missing. */
export function stagingProblems(raw: unknown, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const declared = (raw as { environment?: unknown } | null)?.environment;
  if (declared !== STAGING) {
    problems.push(
      declared === undefined
        ? 'the drill file does not say `environment: staging`: drills run in staging only'
        : `the drill file says environment: ${JSON.stringify(declared)}; drills run only with \`environment: staging\``,
    );
  }
  if (env['PALISADE_ENVIRONMENT'] !== STAGING) {
    problems.push(
      env['PALISADE_ENVIRONMENT'] === undefined
        ? 'PALISADE_ENVIRONMENT is not set: set PALISADE_ENVIRONMENT=staging on the machine that runs drills'
        : `PALISADE_ENVIRONMENT is ${JSON.stringify(env['PALISADE_ENVIRONMENT'])}, not "staging"`,
    );
  }
  return problems;
}

class Files {
  readonly errors: string[] = [];
  constructor(private readonly baseDir: string) {}

  text(file: string, path: PropertyKey[]): string | undefined {
    try {
      return readFileSync(resolve(this.baseDir, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.errors.push(`${formatPath(path)}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`}: ${file}`);
      return undefined;
    }
  }

  pair(cert: string, key: string, path: PropertyKey[]): PemPair | undefined {
    const certPem = this.text(cert, [...path, 'cert']);
    const keyPem = this.text(key, [...path, 'key']);
    if (certPem === undefined || keyPem === undefined) return undefined;
    try {
      const parsed = new X509Certificate(certPem);
      if (!parsed.checkPrivateKey(createPrivateKey(keyPem))) {
        this.errors.push(`${formatPath([...path, 'key'])}: does not match the certificate in ${cert}`);
        return undefined;
      }
    } catch (error) {
      this.errors.push(`${formatPath(path)}: not a PEM certificate and private key (${(error as Error).message})`);
      return undefined;
    }
    return { certPem, keyPem };
  }

  key<T>(file: string, path: PropertyKey[], load: (text: string) => T): T | undefined {
    const text = this.text(file, path);
    if (text === undefined) return undefined;
    try {
      return load(text);
    } catch (error) {
      this.errors.push(`${formatPath(path)}: not a usable private key (${(error as Error).message})`);
      return undefined;
    }
  }
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string; code: string; keys?: string[]; input?: unknown }[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return (issue.keys ?? []).map((key) => `${formatPath([...issue.path, key])}: unknown key`);
    if (issue.code === 'invalid_type' && issue.input === undefined) return [`${formatPath(issue.path)}: is required`];
    return [`${formatPath(issue.path)}: ${issue.message}`];
  });
}

function clientScenarios(target: ClientTargetConfig): ClientScenario[] {
  const wanted = target.scenarios;
  return CLIENT_SCENARIOS.filter((scenario) => !wanted || wanted.includes(scenario.name));
}

function serverScenarios(target: ServerTargetConfig, index: number, errors: string[]): ServerScenario[] {
  const has = { tls: true, token: target.token !== undefined, signature: target.signature !== undefined };
  if (!target.scenarios) return SERVER_SCENARIOS.filter((scenario) => has[scenario.needs]);
  const chosen = SERVER_SCENARIOS.filter((scenario) => target.scenarios?.includes(scenario.name as never));
  for (const scenario of chosen) {
    if (!has[scenario.needs]) errors.push(`servers[${index}].scenarios: ${scenario.name} needs servers[${index}].${scenario.needs} (the baseline must carry one)`);
  }
  return chosen;
}

export async function loadDrillObject(raw: unknown, baseDir: string, env: NodeJS.ProcessEnv, certificates: CertificateIssuer): Promise<DrillLoad> {
  const refused = stagingProblems(raw, env);
  if (refused.length > 0) return { ok: false, kind: 'refused', errors: refused };
  const parsed = DrillFileSchema.safeParse(raw ?? {});
  if (!parsed.success) return { ok: false, kind: 'invalid', errors: describeIssues(parsed.error.issues as never) };
  const file = parsed.data;
  const files = new Files(baseDir);
  const errors = files.errors;

  let stagingCa: IssuedCertificate | undefined;
  if (file.ca) {
    const pair = files.pair(file.ca.cert, file.ca.key, ['ca']);
    if (pair) {
      try {
        stagingCa = await certificates.loadIssuer(pair.certPem, pair.keyPem);
      } catch (error) {
        errors.push(`ca: cannot issue certificates with this CA (${(error as Error).message})`);
      }
    }
  }

  const clients: LoadedClientTarget[] = [];
  file.clients.forEach((config, index) => {
    const genuine = files.pair(config.genuine.cert, config.genuine.key, ['clients', index, 'genuine']);
    const scenarios = clientScenarios(config);
    const needCa = scenarios.filter((scenario) => scenario.certificate !== 'none' && needsStagingCa(scenario.certificate));
    if (needCa.length > 0 && !file.ca) {
      errors.push(`ca: is required: ${needCa.map((s) => s.name).join(', ')} (clients[${index}]) are issued by the staging CA; give \`ca\` or list \`clients[${index}].scenarios\` without them`);
    }
    if (genuine) clients.push({ config, genuine, scenarios });
  });

  const servers: LoadedServerTarget[] = [];
  file.servers.forEach((config, index) => {
    const path = ['servers', index];
    const clientCert = files.pair(config.tls.cert, config.tls.key, [...path, 'tls']);
    const caPem = files.text(config.tls.ca, [...path, 'tls', 'ca']);
    const scenarios = serverScenarios(config, index, errors);
    const needCa = scenarios.filter((scenario) => scenario.clientCert !== undefined && scenario.clientCert !== 'none' && needsStagingCa(scenario.clientCert));
    if (needCa.length > 0 && !file.ca) {
      errors.push(`ca: is required: ${needCa.map((s) => s.name).join(', ')} (servers[${index}]) are issued by the staging CA; give \`ca\` or list \`servers[${index}].scenarios\` without them`);
    }
    const tokenKey = config.token
      ? files.key(config.token.key, [...path, 'token', 'key'], (text) => (text.trim().startsWith('{') ? createPrivateKey({ key: JSON.parse(text) as JsonWebKey, format: 'jwk' }) : createPrivateKey(text)))
      : undefined;
    const signature = config.signature;
    const signatureKey = signature ? files.key(signature.key, [...path, 'signature', 'key'], (text) => importSigningKey(text, signature.algorithm, signature.keyid)) : undefined;
    if (clientCert && caPem !== undefined) {
      servers.push({ config, clientCert, caPem, scenarios, ...(tokenKey ? { tokenKey } : {}), ...(signatureKey ? { signatureKey } : {}) });
    }
  });

  if (errors.length > 0) return { ok: false, kind: 'invalid', errors };
  return { ok: true, value: { file, ...(stagingCa ? { stagingCa } : {}), certificates, clients, servers } };
}

export async function loadDrillFile(path: string, env: NodeJS.ProcessEnv, certificates: CertificateIssuer): Promise<DrillLoad> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, kind: 'invalid', errors: [`${path}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`}`] };
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return { ok: false, kind: 'invalid', errors: document.errors.map((error) => `${path}: YAML syntax error: ${(error.message.split('\n')[0] ?? '').trim()}`) };
  }
  return loadDrillObject(document.toJS(), dirname(resolve(path)), env, certificates);
}
