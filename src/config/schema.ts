// The config file's shape. Strict: an unknown key is an error, so a typo never silently
// turns a policy off. Every default is written here once and documented in the README.
import { z } from 'zod';
import { isIP } from 'node:net';
import { validatePathPattern } from '../pipeline/path-pattern.js';
import { validateIdentityPattern } from '../tls/identity-pattern.js';

const ms = (what: string) => z.number({ error: `${what} must be a number of milliseconds` }).int().positive();

const Mode = z.enum(['enforce', 'report']);
export type Mode = z.infer<typeof Mode>;

const TlsVersion = z.enum(['TLSv1.2', 'TLSv1.3']);

const Address = z.string().refine((value) => isIP(value) !== 0, { error: 'must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::)' });
const Port = z.number().int().min(0).max(65535);
const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must be lowercase letters, digits, "-" or "_" (max 63)' });
const FilePath = z.string().min(1, { error: 'must be a file path' });

const ListenerTls = z.strictObject({
  cert: FilePath,
  key: FilePath,
  clientCa: FilePath,
  minVersion: TlsVersion.default('TLSv1.2'),
  maxVersion: TlsVersion.default('TLSv1.3'),
  handshakeTimeoutMs: ms('handshakeTimeoutMs').default(10_000),
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
});

const Server = z.strictObject({
  keepAliveTimeoutMs: ms('keepAliveTimeoutMs').default(5_000),
  headersTimeoutMs: ms('headersTimeoutMs').default(30_000),
  requestTimeoutMs: ms('requestTimeoutMs').default(300_000),
  maxHeaderBytes: z.number().int().min(1024).max(1_048_576).default(16_384),
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
  server: Server.prefault({}),
  paths: z
    .strictObject({
      /** Refuse (400 path_not_normalized) a path that needed normalizing, instead of rewriting it. */
      strict: z.boolean().default(false),
    })
    .prefault({}),
  routes: z.array(Route).min(1, { error: 'needs at least one route: with none, every request is denied' }),
});

export const ConfigSchema = z
  .strictObject({
    mode: Mode.default('enforce'),
    drainTimeoutMs: ms('drainTimeoutMs').default(15_000),
    admin: z
      .strictObject({
        address: Address.default('127.0.0.1'),
        port: Port.default(9901),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
    inbound: z.array(Inbound).min(1, { error: 'needs at least one inbound listener' }),
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
    });
  });

export type Config = z.output<typeof ConfigSchema>;
export type InboundConfig = Config['inbound'][number];
export type RouteConfig = InboundConfig['routes'][number];
export type UpstreamConfig = InboundConfig['upstream'];
