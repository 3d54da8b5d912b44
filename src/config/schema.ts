// The config file's shape. Strict: an unknown key is an error, so a typo never silently
// turns a policy off. Every default is written here once and documented in the README.
import { z } from 'zod';
import { isIP } from 'node:net';
import { validatePathPattern } from '../core/path-pattern.js';
import { validateIdentityPattern } from '../core/identity-pattern.js';
import { parseSpiffeId } from '../core/spiffe.js';
import { parseDuration, type CompiledDuration } from '../core/duration.js';
import { isLoopbackAddress } from '../admin/endpoints.js';
import { RouteTokenKeys, TokenPolicySchema, tokenConfigIssues } from './tokens-schema.js';
import { serverConfigIssues } from './server-limits.js';
import { EgressTokenSchema } from './egress-token-schema.js';
import { EgressSigningSchema, InboundSignaturesSchema, RouteSignatureKeys, signatureConfigIssues } from './signatures-schema.js';
import { ProbeTargetSchema, UpstreamProbeSchema, probeConfigIssues } from './probes-schema.js';
import { InPathDrillsSchema, inPathDrillIssues } from '../drills/in-path-schema.js';
import { RouteRateLimitKeys } from './rate-limit-schema.js';

function durationProblem(text: string): string | undefined {
  try {
    parseDuration(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Node's timers hold at most 2^31−1 ms; a larger value silently becomes 1 ms (an instant timeout). */
export const MAX_TIMER_MS = 2_147_483_647;
const ms = (what: string) => z.number({ error: `${what} must be a number of milliseconds` }).int().positive().max(MAX_TIMER_MS, { error: `${what} must be at most ${MAX_TIMER_MS} ms (Node's timer limit)` });

const Mode = z.enum(['enforce', 'report']);
export type Mode = z.infer<typeof Mode>;

const TlsVersion = z.enum(['TLSv1.2', 'TLSv1.3']);

const Address = z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::)' });
const Port = z.number().int().min(0).max(65535);
const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must be lowercase letters, digits, "-" or "_" (max 63)' });
const FilePath = z.string().min(1, { error: 'must be a file path' });

/**
 * TLS 1.2 suites: AEAD with forward secrecy only. TLS 1.3 suites are OpenSSL's own (all AEAD)
 * and are not affected by this list.
 */
export const DEFAULT_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
export const DEFAULT_TLS_GROUPS = 'X25519:P-256:P-384';

const EcCurve = z.enum(['P-256', 'P-384', 'P-521']);

/** Rules every certificate we accept must meet, in either direction (src/tls/certificate-rules.ts). */
const CertificateStrength = {
  /** Smallest RSA modulus accepted, in bits. */
  minRsaBits: z.number().int().min(1024).max(16_384).default(2048),
  /** EC curves accepted; an empty list refuses EC keys. */
  ecCurves: z.array(EcCurve).default(['P-256', 'P-384']),
  ed25519: z.boolean().default(true),
  /**
   * Maximum notAfter − notBefore, as a duration ("24h", "30d"), or null for no limit. Compiled
   * here, once: the loaded config carries the milliseconds next to the text.
   */
  maxLifetime: z
    .string()
    .nullable()
    .default(null)
    .transform((value, ctx): CompiledDuration | null => {
      if (value === null) return null;
      const problem = durationProblem(value);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return { text: value, ms: parseDuration(value) };
    }),
};

/** What an egress upstream's (server) certificate must look like; checked inside the handshake. */
const UpstreamCertPolicy = z.strictObject({
  ...CertificateStrength,
  /** A certificate with an extendedKeyUsage extension must list serverAuth (OpenSSL checks that);
   *  with this, one with no extension at all is refused too. */
  requireServerAuth: z.boolean().default(true),
});
export type UpstreamCertPolicyConfig = z.output<typeof UpstreamCertPolicy>;

/** What a peer (client) certificate must look like; checked per request from cached facts. */
const PeerCertPolicy = z.strictObject({
  ...CertificateStrength,
  /** The certificate must carry an extendedKeyUsage extension listing clientAuth. */
  requireClientAuth: z.boolean().default(true),
  /** Trust domains a SPIFFE ID may belong to; empty means any. */
  trustDomains: z.array(z.string().regex(/^[a-z0-9._-]+$/, { error: 'must be a lower-case trust domain such as example.org' })).default([]),
});
export type PeerCertPolicyConfig = z.output<typeof PeerCertPolicy>;

const ListenerTls = z.strictObject({
  cert: FilePath,
  key: FilePath,
  clientCa: FilePath,
  minVersion: TlsVersion.default('TLSv1.2'),
  maxVersion: TlsVersion.default('TLSv1.3'),
  /** OpenSSL cipher list for TLS 1.2; validated when the material loads. */
  ciphers: z.string().min(1).default(DEFAULT_TLS12_CIPHERS),
  /** Key exchange groups (OpenSSL's ecdhCurve list). */
  groups: z.string().min(1).default(DEFAULT_TLS_GROUPS),
  /** CRL files (PEM or DER), each signed by a CA in clientCa. */
  crl: z.array(FilePath).default([]),
  handshakeTimeoutMs: ms('handshakeTimeoutMs').default(10_000),
  peer: PeerCertPolicy.prefault({}),
});

const IdentitySource = z.enum(['spiffe', 'dns', 'cn']);

const Upstream = z.strictObject({
  url: z.url({ protocol: /^http$/, error: 'must be an http:// URL of the local app, e.g. http://127.0.0.1:8080' }).refine(
    (value) => {
      const url = new URL(value);
      return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username;
    },
    { error: 'must be an origin only (scheme, host, port): no path, query or credentials' },
  ),
  connectTimeoutMs: ms('connectTimeoutMs').default(5_000),
  headersTimeoutMs: ms('headersTimeoutMs').default(30_000),
  bodyTimeoutMs: ms('bodyTimeoutMs').default(30_000),
  connections: z.number().int().min(1).max(10_000).default(128),
  keepAliveTimeoutMs: ms('keepAliveTimeoutMs').default(4_000),
  // Admission to the app (src/proxy/admission.ts): past `connections`, requests wait in a
  // bounded queue for at most queueTimeoutMs, then get 503 upstream_overloaded.
  maxPending: z.number().int().min(0).max(100_000).default(256),
  queueTimeoutMs: ms('queueTimeoutMs').default(1_000),
  /** Requests one peer identity may have in flight or queued; past it, 429 identity_overloaded.
   *  Unset: half of `connections` (rounded up), so one identity never holds the whole pool. */
  maxRequestsPerIdentity: z.number().int().min(1).max(100_000).optional(),
  /** A body whose Content-Length is at most this is read whole before an app connection is taken. */
  bufferBodyBytes: z.number().int().min(0).max(16_777_216).default(16_384),
});

const Server = z.strictObject({
  keepAliveTimeoutMs: ms('keepAliveTimeoutMs').default(5_000),
  headersTimeoutMs: ms('headersTimeoutMs').default(30_000),
  requestTimeoutMs: ms('requestTimeoutMs').default(300_000),
  maxHeaderBytes: z.number().int().min(1024).max(1_048_576).default(16_384),
  /** Most header field lines a request may carry (Envoy's default); more → 431 too_many_headers. */
  maxHeaderCount: z.number().int().min(1).max(10_000).default(100),
  /** Open connections on this listener; past it new ones are closed at accept (src/proxy/connection-limits.ts). */
  maxConnections: z.number().int().min(1).max(1_000_000).default(4_096),
});

/** A header name, or a prefix ending in "*", e.g. x-internal-user or x-corp-auth-*. */
const HeaderNamePattern = z.string().regex(/^[a-z0-9!#$%&'+.^_`|~-]+\*?$/, { error: 'must be a lower-case header name, optionally ending in "*" for a prefix' });

/** Header names with "_" that do not fold onto a protected name (src/proxy/header-hygiene.ts). */
const Underscores = z.enum(['allow', 'drop', 'reject']).default('reject');

const InboundHeaders = z.strictObject({
  /** X-Forwarded-For / Forwarded: replace the peer's with its address, or append its address to the peer's chain. */
  forwardedFor: z.enum(['replace', 'append']).default('replace'),
  /** Peer headers removed before forwarding, on top of the built-in identity list. */
  strip: z.array(HeaderNamePattern).default([]),
  underscores: Underscores,
});

const EgressHeaders = z.strictObject({
  /** App headers removed before forwarding, on top of the built-in certificate-identity list. */
  strip: z.array(HeaderNamePattern).default([]),
  underscores: Underscores,
});

/** Inbound-only limits: peers are remote and each has an identity once the handshake is done. */
const InboundServer = Server.extend({
  /** Open connections from one peer IP address, counted from accept (before the handshake). */
  maxConnectionsPerAddress: z.number().int().min(1).max(1_000_000).default(512),
  /** Open connections of one verified peer identity, counted from the end of the handshake. */
  maxConnectionsPerIdentity: z.number().int().min(1).max(1_000_000).default(1_024),
  /** Longest pause between two chunks of a request body (src/proxy/body-guard.ts). */
  bodyIdleTimeoutMs: ms('bodyIdleTimeoutMs').default(15_000),
  /** Slowest average body rate accepted once minBodyRateGraceMs has passed; 0 turns the check off. */
  minBodyBytesPerSecond: z.number().int().min(0).max(1_073_741_824).default(240),
  minBodyRateGraceMs: ms('minBodyRateGraceMs').default(5_000),
});

const HttpMethod = z
  .string()
  .regex(/^(\*|[A-Z]+)$/, { error: 'must be an upper-case HTTP method such as GET, or "*"' });

const Route = z.strictObject({
  name: Name,
  methods: z.array(HttpMethod).min(1).default(['*']),
  path: z.string().superRefine((value, ctx) => {
    const problem = validatePathPattern(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  mode: Mode.optional(),
  allow: z.array(
    z.string().superRefine((value, ctx) => {
      const problem = validateIdentityPattern(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ),
  // Tokens: `token: false` exempts the route; `scopes` the route requires.
  ...RouteTokenKeys,
  // Signatures: the route's RFC 9421 policy.
  ...RouteSignatureKeys,
  // A token bucket per calling identity.
  ...RouteRateLimitKeys,
});

const Inbound = z.strictObject({
  name: Name,
  address: Address.default('0.0.0.0'),
  port: Port,
  mode: Mode.optional(),
  tls: ListenerTls,
  identity: z
    .strictObject({
      sources: z.array(IdentitySource).min(1).default(['spiffe']),
    })
    .prefault({}),
  upstream: Upstream,
  server: InboundServer.prefault({}),
  paths: z
    .strictObject({
      /** Refuse (400 path_not_normalized) a path that needed normalizing, instead of rewriting it. */
      strict: z.boolean().default(false),
      /** Path parameters (";" in a segment, which Tomcat, Spring and Jetty strip before dispatch): refuse, or match and forward the path without them. */
      parameters: z.enum(['reject', 'strip']).default('reject'),
    })
    .prefault({}),
    headers: InboundHeaders.prefault({}),
  routes: z.array(Route).min(1, { error: 'needs at least one route: with none, every request is denied' }),
  /** Bearer tokens: issuers, claims, binding, least privilege. Optional: without it no token is read. */
  tokens: TokenPolicySchema.optional(),
  /** RFC 9421 signatures: key registry, time and replay limits. Optional: without it no signature is read. */
  signatures: InboundSignaturesSchema.optional(),
  /** In-path MITM drills (staging only): forged copies of sampled requests, sent to the app. */
  drills: InPathDrillsSchema.optional(),
});

// ---- Egress: the local app's outbound calls, originated over mTLS by the sidecar ----

const DnsName = z.string().regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, {
  error: 'must be a lower-case DNS name such as orders.example.org',
});

/** Who the upstream must prove to be. Checked during the TLS handshake, before any request byte. */
const UpstreamIdentity = z
  .strictObject({
    /** Exact SPIFFE ID; the certificate must carry exactly one SPIFFE URI SAN, equal to this. */
    spiffeId: z
      .string()
      .superRefine((value, ctx) => {
        const parsed = parseSpiffeId(value);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `not a valid SPIFFE ID: ${parsed.problem}` });
      })
      .optional(),
    /** A DNS name the certificate must be valid for (RFC 6125 matching, as Node does it). */
    dnsName: DnsName.optional(),
    /** Base64 SHA-256 of the leaf's SubjectPublicKeyInfo; any one may match (rotation). */
    spkiSha256: z
      .array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/, { error: 'must be the base64 SHA-256 of a SubjectPublicKeyInfo (44 characters ending in "=")' }))
      .min(1)
      .optional(),
  })
  .refine((identity) => identity.spiffeId !== undefined || identity.dnsName !== undefined || identity.spkiSha256 !== undefined, {
    error: 'needs at least one of spiffeId, dnsName, spkiSha256: an upstream whose identity is not pinned is an impostor waiting to happen',
  });

const UpstreamOriginationTls = z.strictObject({
  /** The service's own identity, presented to the upstream as the client certificate. */
  cert: FilePath,
  key: FilePath,
  /** Trust bundle for the upstream's chain. */
  ca: FilePath,
  minVersion: TlsVersion.default('TLSv1.2'),
  maxVersion: TlsVersion.default('TLSv1.3'),
  /** OpenSSL cipher list for TLS 1.2; validated when the material loads. */
  ciphers: z.string().min(1).default(DEFAULT_TLS12_CIPHERS),
  /** SNI to send; default the URL's host name (none for an IP address). */
  serverName: DnsName.optional(),
  /** The upstream certificate's key, signature, usage and lifetime, as inbound's tls.peer. */
  peer: UpstreamCertPolicy.prefault({}),
});

// Egress upstreams have the bounded queue (maxPending, queueTimeoutMs) but not the per-identity
// share or body buffering: the one client is the local app.
const EgressUpstream = Upstream.omit({ url: true, maxRequestsPerIdentity: true, bufferBodyBytes: true }).extend({
  /** The metric label `upstream`, and a Host the app may address it by. */
  name: Name,
  url: z.url({ protocol: /^https$/, error: 'must be an https:// URL of the upstream, e.g. https://orders.internal:8443' }).refine(
    (value) => {
      const url = new URL(value);
      return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username;
    },
    { error: 'must be an origin only (scheme, host, port): no path, query or credentials' },
  ),
  tls: UpstreamOriginationTls,
  identity: UpstreamIdentity,
  /** Periodic TLS probe of this upstream with its own settings (src/probe/). Optional. */
  probe: UpstreamProbeSchema.optional(),
  /** An OAuth 2.0 access token attached to every request (client credentials over mTLS). Optional. */
  token: EgressTokenSchema.optional(),
});

const Loopback = z.string().refine((value) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(value) || value === '::1', {
  error: 'must be a loopback address (127.x.x.x or ::1): the egress listener speaks plain HTTP and lends the service identity to whoever connects',
});

const Egress = z
  .strictObject({
    name: Name,
    address: Loopback.default('127.0.0.1'),
    port: Port,
    server: Server.prefault({}),
    headers: EgressHeaders.prefault({}),
    upstreams: z.array(EgressUpstream).min(1, { error: 'needs at least one upstream' }),
    /** RFC 9421 signing of every outbound request. Optional. */
    signing: EgressSigningSchema.optional(),
    /** In-path MITM drills (staging only): forged copies of sampled requests, sent to the upstream. */
    drills: InPathDrillsSchema.optional(),
  })
  .superRefine((listener, ctx) => {
    // name and url host are both routing keys (the Host header selects the upstream): unique.
    const keys = new Map<string, string>();
    listener.upstreams.forEach((upstream, index) => {
      for (const key of new Set([upstream.name, new URL(upstream.url).host])) {
        const other = keys.get(key);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['upstreams', index, 'name'], message: `"${key}" already selects upstream "${other}"` });
        keys.set(key, upstream.name);
      }
      if (upstream.tls.minVersion === 'TLSv1.3' && upstream.tls.maxVersion === 'TLSv1.2') {
        ctx.addIssue({ code: 'custom', path: ['upstreams', index, 'tls', 'maxVersion'], message: 'is lower than minVersion' });
      }
    });
  });

/**
 * Where the sensitive admin endpoints (/identities, ...) are served. Off loopback they hold
 * every peer identity and recent denial: only over mTLS, to an explicit list of SPIFFE IDs.
 */
const AdminInspect = z
  .strictObject({
    address: Address.default('127.0.0.1'),
    port: Port.default(9902),
    tls: z.strictObject({ cert: FilePath, key: FilePath, clientCa: FilePath }).optional(),
    allow: z.array(z.string()).optional(),
  })
  .superRefine((inspect, ctx) => {
    const offLoopback = !isLoopbackAddress(inspect.address);
    if (offLoopback && !inspect.tls) ctx.addIssue({ code: 'custom', path: ['tls'], message: `is required when address ${inspect.address} is not loopback (sensitive endpoints are served off loopback only over mTLS)` });
    if (inspect.tls && !(inspect.allow && inspect.allow.length > 0)) ctx.addIssue({ code: 'custom', path: ['allow'], message: 'needs at least one SPIFFE ID when tls is set (who may read the sensitive endpoints)' });
    if (inspect.allow && !inspect.tls) ctx.addIssue({ code: 'custom', path: ['allow'], message: 'needs tls: without mTLS there is no identity to check' });
    inspect.allow?.forEach((entry, index) => {
      const problem = entry.startsWith('spiffe://') ? validateIdentityPattern(entry) : 'must be a spiffe:// ID or pattern (no "*", dns: or cn: here)';
      if (problem) ctx.addIssue({ code: 'custom', path: ['allow', index], message: problem });
    });
  });

export const ConfigSchema = z
  .strictObject({
    mode: Mode.default('enforce'),
    /** Where this sidecar runs; `drills:` needs "staging" here and PALISADE_ENVIRONMENT=staging. */
    environment: z.string().min(1).optional(),
    drainTimeoutMs: ms('drainTimeoutMs').default(15_000),
    admin: z
      .strictObject({
        address: Address.default('127.0.0.1'),
        port: Port.default(9901),
        /** The inspection listener for sensitive endpoints (src/admin/endpoints.ts). */
        inspect: AdminInspect.optional(),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
    reload: z
      .strictObject({
        /** Reload when the config file or any certificate, key, bundle or CRL it names changes. */
        watchFiles: z.boolean().default(true),
        /** Wait this long after the last change event before looking (writers touch files several times). */
        debounceMs: ms('debounceMs').default(500),
      })
      .prefault({}),
    inbound: z.array(Inbound).min(1, { error: 'needs at least one inbound listener' }),
    /** Optional: without it the sidecar originates no calls. */
    egress: z.array(Egress).default([]),
    /** Periodic TLS probes of other endpoints (src/probe/). Optional. */
    probes: z.array(ProbeTargetSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.inbound.forEach((listener, index) => {
      if (names.has(listener.name)) {
        ctx.addIssue({ code: 'custom', path: ['inbound', index, 'name'], message: `duplicate listener name "${listener.name}"` });
      }
      names.add(listener.name);
      const routeNames = new Set<string>();
      listener.routes.forEach((route, routeIndex) => {
        if (routeNames.has(route.name)) {
          ctx.addIssue({ code: 'custom', path: ['inbound', index, 'routes', routeIndex, 'name'], message: `duplicate route name "${route.name}"` });
        }
        routeNames.add(route.name);
      });
      if (listener.tls.minVersion === 'TLSv1.3' && listener.tls.maxVersion === 'TLSv1.2') {
        ctx.addIssue({ code: 'custom', path: ['inbound', index, 'tls', 'maxVersion'], message: 'is lower than minVersion' });
      }
      serverConfigIssues(listener.server, ['inbound', index, 'server'], (path, message) => ctx.addIssue({ code: 'custom', path, message }));
      tokenConfigIssues(listener, index, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
      signatureConfigIssues(listener, index, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
      inPathDrillIssues(listener.drills, listener.routes.map((route) => route.name), 'route', ['inbound', index], (path, message) => ctx.addIssue({ code: 'custom', path, message }));
    });
    // Egress listeners share the `listener` metric label with inbound ones: names are unique across both.
    config.egress.forEach((listener, index) => {
      if (names.has(listener.name)) ctx.addIssue({ code: 'custom', path: ['egress', index, 'name'], message: `duplicate listener name "${listener.name}"` });
      serverConfigIssues(listener.server, ['egress', index, 'server'], (path, message) => ctx.addIssue({ code: 'custom', path, message }));
      names.add(listener.name);
      inPathDrillIssues(listener.drills, listener.upstreams.map((upstream) => upstream.name), 'upstream', ['egress', index], (path, message) => ctx.addIssue({ code: 'custom', path, message }));
    });
    probeConfigIssues(config.probes, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  });

export type Config = z.output<typeof ConfigSchema>;
export type InboundConfig = Config['inbound'][number];
export type RouteConfig = InboundConfig['routes'][number];
export type UpstreamConfig = InboundConfig['upstream'];
export type EgressConfig = Config['egress'][number];
export type EgressUpstreamConfig = EgressConfig['upstreams'][number];
export type ProbeConfig = Config['probes'][number];
