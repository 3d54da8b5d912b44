// The drill file's shape. Strict like the sidecar config: an unknown key is an error, so a
// typo never silently turns a scenario or a safety limit off. Every default is written here
// once and documented in the README's drills section.
import { isIP } from 'node:net';
import { z } from 'zod';
import { ALGORITHMS } from '../signatures/algorithms.js';
import { CLIENT_SCENARIO_NAMES } from './client-scenarios.js';
import { SERVER_SCENARIO_NAMES } from './catalog.js';
import { parseAllowEntry } from './allow-list.js';

const ms = (what: string) => z.number({ error: `${what} must be a number of milliseconds` }).int().positive();
const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must be lowercase letters, digits, "-" or "_" (max 63)' });
const FilePath = z.string().min(1, { error: 'must be a file path' });
const Port = z.number().int().min(0).max(65535);
const Address = z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address (e.g. 127.0.0.1)' });
const HostName = z.string().regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^[0-9.]+$|^[0-9a-f:]+$/, {
  error: 'must be a lower-case host name or an IP address',
});
const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'must be an HTTP header field name' });

const CertAndKey = z.strictObject({ cert: FilePath, key: FilePath });

const AllowEntry = z.string().superRefine((value, ctx) => {
  const parsed = parseAllowEntry(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
});

const Limits = z.strictObject({
  /** Hard cap on attempts (baselines included) in one run; a bigger plan is refused before anything is sent. */
  maxAttempts: z.number().int().min(1).max(10_000).default(500),
  /** Attempts started per second, at most. */
  attemptsPerSecond: z.number().positive().max(100).default(10),
  /** One attempt (a client command, a wait, a request) is cut off after this. */
  attemptTimeoutMs: ms('attemptTimeoutMs').max(600_000).default(10_000),
  /** The whole run; attempts left when it is spent are reported as error. */
  totalTimeoutMs: ms('totalTimeoutMs').max(86_400_000).default(600_000),
});

const ClientTarget = z
  .strictObject({
    name: Name,
    /** Where the impostors listen; port 0 picks a free port per scenario (command mode only). */
    listen: z.strictObject({ address: Address.default('127.0.0.1'), port: Port.default(0) }).prefault({}),
    /** The host name the client connects to, substituted for {host} (and in {url}). */
    host: HostName.default('localhost'),
    /** The path in {url}. */
    path: z.string().startsWith('/', { error: 'must start with "/"' }).default('/'),
    /** The genuine server certificate and key: the baseline, and the names every impostor copies. */
    genuine: CertAndKey,
    /** A command that makes the client call {url} (or {host}:{port}) once; run with /bin/sh. */
    command: z.string().min(1).optional(),
    /** Instead of a command: wait this long per scenario for the client's own scheduled calls. */
    waitMs: ms('waitMs').optional(),
    scenarios: z.array(z.enum(CLIENT_SCENARIO_NAMES)).min(1).optional(),
  })
  .superRefine((target, ctx) => {
    if ((target.command === undefined) === (target.waitMs === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'give exactly one of command and waitMs' });
    }
    if (target.waitMs !== undefined && target.listen.port === 0) {
      ctx.addIssue({ code: 'custom', path: ['listen', 'port'], message: 'waitMs needs a fixed port: the client must find the impostor where it calls' });
    }
  });

const TokenSpec = z.strictObject({
  /** The staging issuer's private signing key (PKCS#8 PEM or a private JWK). */
  key: FilePath,
  alg: z.enum(['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA']),
  kid: z.string().min(1).optional(),
  issuer: z.string().min(1),
  audience: z.string().min(1),
  subject: z.string().min(1).optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, { error: 'must be a scope token (no spaces or quotes)' })).default([]),
  /** Added to the scopes for overprivileged_token. */
  extraScopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).min(1).default(['palisade-drill:admin']),
  lifetimeSeconds: z.number().int().min(10).max(86_400).default(300),
  /** Bind the genuine token to the genuine client certificate (cnf.x5t#S256, RFC 8705). */
  bindToCert: z.boolean().default(false),
});

const SignatureSpec = z.strictObject({
  key: FilePath,
  algorithm: z.enum(ALGORITHMS),
  keyid: z.string().min(1),
  label: z.string().regex(/^[a-z*][a-z0-9_\-.*]*$/).default('sig1'),
  /** Covered components; content-digest is added when there is a body. x-palisade-drill is the header header_tampered changes. */
  components: z.array(z.string().min(1)).min(1).default(['@method', '@authority', '@path', '@query', 'x-palisade-drill']),
  expiresInSeconds: z.number().int().min(1).max(3600).default(60),
});

const ServerTarget = z.strictObject({
  name: Name,
  url: z.url({ protocol: /^https$/, error: 'must be an https:// URL of the endpoint to call' }),
  method: z.string().regex(/^[A-Z]+$/, { error: 'must be an upper-case HTTP method' }).default('GET'),
  headers: z.record(HeaderName, z.string()).default({}),
  body: z.string().optional(),
  /** The genuine caller's client certificate, and the trust bundle for the server's certificate. */
  tls: z.strictObject({ cert: FilePath, key: FilePath, ca: FilePath, serverName: HostName.optional() }),
  token: TokenSpec.optional(),
  signature: SignatureSpec.optional(),
  scenarios: z.array(z.enum(SERVER_SCENARIO_NAMES)).min(1).optional(),
});

export const DrillFileSchema = z
  .strictObject({
    /** Must be "staging" (checked, with PALISADE_ENVIRONMENT, before anything else). */
    environment: z.literal('staging', { error: 'must be "staging"' }),
    /** Names the run: the `drill` grouping label on the Pushgateway. */
    name: Name.default('drill'),
    /** Host names and CIDRs a drill may touch; everything else is refused before a packet is sent. */
    allow: z.array(AllowEntry).min(1, { error: 'needs at least one host name or CIDR' }),
    limits: Limits.prefault({}),
    /** The staging CA (certificate and key): issues the wrong-identity, expired, weak... forgeries. */
    ca: CertAndKey.optional(),
    clients: z.array(ClientTarget).default([]),
    servers: z.array(ServerTarget).default([]),
  })
  .superRefine((file, ctx) => {
    if (file.clients.length === 0 && file.servers.length === 0) ctx.addIssue({ code: 'custom', path: ['clients'], message: 'give at least one client or server target' });
    const names = new Set<string>();
    const check = (name: string, path: PropertyKey[]) => {
      if (names.has(name)) ctx.addIssue({ code: 'custom', path, message: `duplicate target name "${name}"` });
      names.add(name);
    };
    file.clients.forEach((target, index) => check(target.name, ['clients', index, 'name']));
    file.servers.forEach((target, index) => check(target.name, ['servers', index, 'name']));
  });

export type DrillFile = z.output<typeof DrillFileSchema>;
export type ClientTargetConfig = DrillFile['clients'][number];
export type ServerTargetConfig = DrillFile['servers'][number];
export type DrillLimits = DrillFile['limits'];
