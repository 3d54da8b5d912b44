// palisade token mint|get|inspect: test tokens for tests and staging scripts.
//   mint     sign a token with a local key (RFC 9068 shape, optionally certificate-bound);
//   get      fetch one from a broker with the client credentials grant over mTLS;
//   inspect  decode a token's header and claims, time left and bound thumbprint. Never verifies.
import { X509Certificate, createHash, createPrivateKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { parseDuration } from '../core/duration.js';
import { requestToken } from '../tokens/client-credentials.js';
import { parseSubjectAltNames } from '../tls/subject-alt-names.js';
import type { Command } from './command.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './usage.js';

/** The JWS algorithm a private key implies. */
function algorithmFor(key: ReturnType<typeof createPrivateKey>): string {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256';
  }
  if (type === 'rsa') return 'RS256';
  throw new UsageError(`--key: unsupported key type ${type ?? 'unknown'}`);
}

export interface MintOptions {
  readonly keyText: string;
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly scope?: string;
  readonly ttlMs: number;
  readonly kid?: string;
  readonly alg?: string;
  readonly bindCertPem?: string;
  readonly jti?: string;
  readonly now?: number;
}

export async function mintToken(options: MintOptions): Promise<string> {
  const text = options.keyText.trim();
  let key: Parameters<SignJWT['sign']>[0];
  let alg = options.alg;
  let kid = options.kid;
  if (text.startsWith('{')) {
    const jwk = JSON.parse(text) as JWK;
    if (!jwk.d) throw new UsageError('--key: the JWK has no private part ("d")');
    alg ??= jwk.alg;
    if (!alg) throw new UsageError('--key: the JWK names no alg; pass --alg');
    kid ??= jwk.kid;
    key = (await importJWK(jwk, alg)) as Parameters<SignJWT['sign']>[0];
  } else {
    const keyObject = createPrivateKey(text);
    alg ??= algorithmFor(keyObject);
    key = keyObject;
  }
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = { client_id: options.sub };
  if (options.scope !== undefined) claims['scope'] = options.scope;
  if (options.bindCertPem) claims['cnf'] = { 'x5t#S256': createHash('sha256').update(new X509Certificate(options.bindCertPem).raw).digest('base64url') };
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'at+jwt', ...(kid ? { kid } : {}) })
    .setIssuer(options.iss)
    .setAudience(options.aud)
    .setSubject(options.sub)
    .setJti(options.jti ?? randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.max(1, Math.floor(options.ttlMs / 1000)))
    .sign(key);
}

async function mint(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { key: { type: 'string' }, iss: { type: 'string' }, aud: { type: 'string' }, sub: { type: 'string' }, scope: { type: 'string', multiple: true }, ttl: { type: 'string' }, 'bind-cert': { type: 'string' }, kid: { type: 'string' }, alg: { type: 'string' }, jti: { type: 'string' } },
    strict: true,
  });
  for (const required of ['key', 'iss', 'aud', 'sub'] as const) if (!values[required]) throw new UsageError(`token mint needs --${required}`);
  let ttlMs: number;
  try {
    ttlMs = parseDuration(values.ttl ?? '5m');
  } catch (error) {
    throw new UsageError(`--ttl: ${(error as Error).message}`);
  }
  const token = await mintToken({
    keyText: readFileSync(values.key as string, 'utf8'),
    iss: values.iss as string,
    aud: values.aud as string,
    sub: values.sub as string,
    ...(values.scope ? { scope: values.scope.join(' ') } : {}),
    ttlMs,
    ...(values.kid ? { kid: values.kid } : {}),
    ...(values.alg ? { alg: values.alg } : {}),
    ...(values['bind-cert'] ? { bindCertPem: readFileSync(values['bind-cert'], 'utf8') } : {}),
    ...(values.jti ? { jti: values.jti } : {}),
  });
  process.stdout.write(`${token}\n`);
  return EXIT_OK;
}

async function get(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { broker: { type: 'string' }, cert: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' }, scope: { type: 'string', multiple: true }, audience: { type: 'string' }, format: { type: 'string' }, 'timeout-ms': { type: 'string' } },
    strict: true,
  });
  for (const required of ['broker', 'cert', 'key', 'ca'] as const) if (!values[required]) throw new UsageError(`token get needs --${required}`);
  const format = values.format ?? 'token';
  if (format !== 'token' && format !== 'json') throw new UsageError('--format must be token or json');
  let url: URL;
  try {
    url = new URL(values.broker as string);
  } catch {
    throw new UsageError(`--broker ${values.broker as string} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UsageError('--broker must be an https:// URL');
  // A bare broker origin means its token endpoint.
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/token';
  const certPem = readFileSync(values.cert as string, 'utf8');
  const clientId = parseSubjectAltNames(new X509Certificate(certPem).subjectAltName).uris.find((uri) => uri.startsWith('spiffe://'));
  const result = await requestToken({
    tokenUrl: url.toString(),
    cert: certPem,
    key: readFileSync(values.key as string),
    ca: readFileSync(values.ca as string),
    ...(clientId ? { clientId } : {}),
    ...(values.scope ? { scope: values.scope.join(' ') } : {}),
    ...(values.audience ? { audience: values.audience } : {}),
    ...(values['timeout-ms'] ? { timeoutMs: Number(values['timeout-ms']) } : {}),
  });
  if (!result.ok) {
    process.stderr.write(`palisade token get: refused: ${result.error}: ${result.detail}${result.status ? ` (HTTP ${result.status})` : ''}\n`);
    return EXIT_FINDINGS;
  }
  process.stdout.write(format === 'json' ? `${JSON.stringify(result.token.raw, null, 2)}\n` : `${result.token.accessToken}\n`);
  return EXIT_OK;
}

export function inspectToken(token: string, now = Date.now()): Record<string, unknown> {
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
    claims = decodeJwt(token) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`not a JWT: ${(error as Error).message}`);
  }
  const exp = typeof claims['exp'] === 'number' ? (claims['exp'] as number) : undefined;
  const cnf = claims['cnf'] as Record<string, unknown> | undefined;
  return {
    verified: false,
    note: 'decoded only: the signature, issuer and audience were NOT verified',
    header,
    claims,
    expires_at: exp === undefined ? null : new Date(exp * 1000).toISOString(),
    seconds_left: exp === undefined ? null : Math.round(exp - now / 1000),
    expired: exp === undefined ? null : exp * 1000 <= now,
    bound_thumbprint: typeof cnf?.['x5t#S256'] === 'string' ? cnf['x5t#S256'] : null,
  };
}

async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { format: { type: 'string' } }, allowPositionals: true, strict: true });
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
  if (positionals.length !== 1) throw new UsageError('token inspect needs one TOKEN (or - to read it from stdin)');
  const token = positionals[0] === '-' ? readFileSync(0, 'utf8').trim() : (positionals[0] as string).trim();
  const report = inspectToken(token);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines = [
    'NOT VERIFIED: decoded only; the signature, issuer and audience were not checked.',
    `header: ${JSON.stringify(report['header'])}`,
    `claims: ${JSON.stringify(report['claims'], null, 2)}`,
    `expires: ${report['expires_at'] ?? 'never (no exp)'}${report['seconds_left'] !== null ? ` (${report['expired'] ? 'expired' : `${String(report['seconds_left'])}s left`})` : ''}`,
    `bound to certificate (cnf.x5t#S256): ${report['bound_thumbprint'] ?? 'no'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

export async function tokenCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'mint') return mint(rest);
  if (action === 'get') return get(rest);
  if (action === 'inspect') return inspect(rest);
  throw new UsageError('token needs mint, get or inspect');
}

export const token: Command = {
  help: {
    name: 'token',
    summary: 'mint a test token, get one from a broker, or inspect one',
    usage: [
      'token mint --key FILE --iss ISS --aud AUD --sub SUB [--scope S]... [--ttl 5m] [--bind-cert FILE] [--kid KID]',
      'token get --broker https://HOST:PORT --cert FILE --key FILE --ca FILE [--scope S]... [--audience AUD] [--format token|json]',
      'token inspect TOKEN|- [--format text|json]',
    ],
    description: 'inspect never verifies a signature and says so. get exits 1 when the broker refuses (the OAuth error is printed).',
    options: [
      { flags: '--key FILE', description: 'mint: private key (PEM, or a JWK with "d"); get: the client key' },
      { flags: '--iss ISS', description: 'mint: the iss claim' },
      { flags: '--aud AUD', description: 'mint: the aud claim' },
      { flags: '--sub SUB', description: 'mint: sub and client_id' },
      { flags: '--scope S', description: 'a scope (repeatable; or one space-separated value)' },
      { flags: '--ttl D', description: 'mint: lifetime', default: '5m' },
      { flags: '--bind-cert FILE', description: 'mint: bind to this certificate (cnf.x5t#S256)' },
      { flags: '--kid KID', description: 'mint: the kid header', default: "the JWK's kid, else none" },
      { flags: '--alg ALG', description: 'mint: the JWS algorithm', default: 'from the key (ES256, EdDSA, RS256...)' },
      { flags: '--jti ID', description: 'mint: the jti', default: 'a random UUID' },
      { flags: '--broker URL', description: 'get: the broker (its origin means /token) or its token endpoint' },
      { flags: '--cert FILE', description: 'get: the client certificate (its SPIFFE ID is the client_id)' },
      { flags: '--ca FILE', description: "get: trust bundle for the broker's certificate" },
      { flags: '--audience AUD', description: 'get: the resource (RFC 8707) the token is for', default: "the grant's only audience" },
      { flags: '--format F', description: 'get: token or json; inspect: text or json', default: 'token / text' },
      { flags: '--timeout-ms N', description: 'get: give up after N ms', default: '5000' },
    ],
    examples: [
      'palisade token mint --key issuer.pem --iss https://broker.test --aud spiffe://example.org/ns/shop/sa/orders --sub spiffe://example.org/ns/shop/sa/frontend --scope orders:read --ttl 2m',
      'palisade token get --broker https://broker:8443 --cert frontend.pem --key frontend-key.pem --ca ca.pem --scope orders:read',
      'palisade token inspect "$TOKEN"',
    ],
  },
  run: tokenCommand,
};
