import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.js';
import { InPathDrills, coveredHeader, forge, type CopyRequest, type ForwardedRequest, type InPathRecord } from '../../../src/drills/in-path.js';
import { IN_PATH_SCENARIOS } from '../../../src/drills/in-path-scenarios.js';

const scenario = (name: string) => IN_PATH_SCENARIOS.find((s) => s.name === name)!;

const signed: ForwardedRequest = {
  route: 'orders',
  target: 'app',
  method: 'POST',
  path: '/api/orders',
  headers: ['Content-Length', '2', 'x-tenant', 'a', 'Authorization', 'Bearer t', 'Signature-Input', 'sig1=("@method" "x-tenant" "content-digest");created=1', 'Signature', 'sig1=:AA==:'],
  body: Buffer.from('{}'),
  status: 200,
};

describe('in-path forgeries', () => {
  it('forge exactly one thing, and leave framing to the client', () => {
    expect(forge(scenario('replay'), signed)).toEqual({ method: 'POST', path: '/api/orders', headers: signed.headers.slice(2), body: Buffer.from('{}') });
    expect(forge(scenario('tamper_body'), signed)?.body?.toString()).toBe('{} ');
    expect(coveredHeader(signed.headers)).toBe('x-tenant');
    expect(forge(scenario('tamper_header'), signed)?.headers).toContain('a-forged');
    expect(forge(scenario('strip_signature'), signed)?.headers.map((h) => h.toLowerCase())).not.toContain('signature');
    expect(forge(scenario('strip_token'), signed)?.headers).not.toContain('Authorization');
  });

  it('does not apply where there is nothing to forge', () => {
    const bare: ForwardedRequest = { ...signed, headers: ['x-a', 'b'], body: null };
    for (const name of ['tamper_body', 'tamper_header', 'strip_signature', 'strip_token']) expect(forge(scenario(name), bare), name).toBeUndefined();
    expect(forge(scenario('replay'), { ...bare, body: 'streamed' })).toBeUndefined();
  });
});

describe('in-path sampling', () => {
  const config = { sampleRate: 1, methods: ['POST'], forgeries: ['replay' as const], maxPerMinute: 2, timeoutMs: 1000 };

  async function drive(drills: InPathDrills, request: ForwardedRequest, times: number): Promise<{ sent: CopyRequest[]; records: InPathRecord[] }> {
    const sent: CopyRequest[] = [];
    for (let i = 0; i < times; i += 1) drills.afterForward(request, async (copy) => (sent.push(copy), 401));
    // The copies are sent from resolved promises: they are all done once the microtasks have run.
    await new Promise((resolve) => setImmediate(resolve));
    return { sent, records };
  }
  let records: InPathRecord[] = [];

  it('copies only listed methods, 2xx baselines and selected routes, at most maxPerMinute', async () => {
    records = [];
    const drills = new InPathDrills(config, 'app', (record) => records.push(record));
    expect((await drive(drills, { ...signed, method: 'GET' }, 1)).sent).toHaveLength(0);
    expect((await drive(drills, { ...signed, status: 403 }, 1)).sent).toHaveLength(0);
    const { sent } = await drive(drills, signed, 5);
    expect(sent).toHaveLength(2);
    expect(records).toEqual([
      { listener: 'app', scenario: 'replay', target: 'app', outcome: 'resisted', evidence: 'the forged copy was answered 401' },
      { listener: 'app', scenario: 'replay', target: 'app', outcome: 'resisted', evidence: 'the forged copy was answered 401' },
    ]);
    const only = new InPathDrills({ ...config, only: ['other'] }, 'app', () => undefined);
    expect((await drive(only, signed, 1)).sent).toHaveLength(0);
    const never = new InPathDrills({ ...config, sampleRate: 0.5 }, 'app', () => undefined, () => 0.7);
    expect((await drive(never, signed, 1)).sent).toHaveLength(0);
  });

  it('is configured per listener, with unknown routes and "*" methods refused', () => {
    const base = {
      inbound: [{ name: 'app', port: 0, tls: { cert: 'c', key: 'k', clientCa: 'ca' }, upstream: { url: 'http://127.0.0.1:1' }, routes: [{ name: 'r', path: '/**', allow: ['*'] }], drills: { sampleRate: 2, methods: ['*'], only: ['nope'] } }],
    };
    const result = ConfigSchema.safeParse(base);
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['inbound.0.drills.sampleRate', 'inbound.0.drills.methods.0']));
    const fixed = ConfigSchema.safeParse({ ...base, inbound: [{ ...base.inbound[0], drills: { sampleRate: 1, methods: ['GET'], only: ['nope'] } }] });
    expect(fixed.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual(['inbound.0.drills.only.0: no route named "nope"']);
  });
});
