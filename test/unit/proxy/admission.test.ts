// Admission: in flight up to `connections`, then a FIFO queue bounded in size and time, and a
// per-identity share counted over both.
import { afterEach, expect, test, vi } from 'vitest';
import { Admission, type AdmissionResult, type Admitted } from '../../../src/proxy/admission.js';

const limits = { connections: 2, maxPending: 2, queueTimeoutMs: 1_000, maxRequestsPerIdentity: 3 };

afterEach(() => {
  vi.useRealTimers();
});

async function admitted(result: AdmissionResult | Promise<AdmissionResult>): Promise<Admitted> {
  const settled = await result;
  if (!settled.ok) throw new Error(`refused: ${settled.reason}`);
  return settled;
}

test('admits up to connections at once, then queues FIFO and hands freed slots in order', async () => {
  const admission = new Admission(limits);
  const a = await admitted(admission.admit('a'));
  await admitted(admission.admit('b'));
  const order: string[] = [];
  const c = Promise.resolve(admission.admit('c')).then((result) => (order.push('c'), result));
  const d = Promise.resolve(admission.admit('d')).then((result) => (order.push('d'), result));
  expect(admission.pending).toBe(2);
  a.release();
  a.release(); // idempotent: one release frees one slot
  expect((await c).ok).toBe(true);
  expect(admission.active).toBe(2);
  expect(admission.pending).toBe(1);
  expect(order).toEqual(['c']);
  void d;
});

test('a full queue refuses at once; a queued request times out with upstream_overloaded', async () => {
  vi.useFakeTimers();
  const admission = new Admission(limits);
  await admitted(admission.admit('a'));
  await admitted(admission.admit('b'));
  const queued = admission.admit('c');
  admission.admit('d');
  const full = await admission.admit('e');
  expect(full).toMatchObject({ ok: false, reason: 'upstream_overloaded' });
  vi.advanceTimersByTime(1_000);
  expect(await queued).toMatchObject({ ok: false, reason: 'upstream_overloaded', detail: expect.stringContaining('queueTimeoutMs') });
  expect(admission.pending).toBe(0);
});

test('one identity is held to its share, counted over in-flight and queued; others pass', async () => {
  const admission = new Admission({ ...limits, connections: 1, maxPending: 10 });
  const first = await admitted(admission.admit('greedy'));
  const queued = [admission.admit('greedy'), admission.admit('greedy')];
  expect(await admission.admit('greedy')).toMatchObject({ ok: false, reason: 'identity_overloaded' });
  expect(admission.pending).toBe(2);
  // Another identity still queues behind them.
  const other = admission.admit('other');
  first.release();
  const next = await admitted(queued[0] as Promise<AdmissionResult>);
  next.release();
  (await admitted(queued[1] as Promise<AdmissionResult>)).release();
  expect((await other).ok).toBe(true);
});

test('unset, the per-identity share is half the connections, rounded up', async () => {
  const admission = new Admission({ connections: 3, maxPending: 10, queueTimeoutMs: 1_000 });
  await admitted(admission.admit('x'));
  await admitted(admission.admit('x'));
  expect(await admission.admit('x')).toMatchObject({ ok: false, reason: 'identity_overloaded', detail: expect.stringContaining('maxRequestsPerIdentity 2') });
  expect((await admission.admit('y')).ok).toBe(true);
});

test('a peer that leaves while queued leaves the queue and frees its share', async () => {
  const admission = new Admission({ ...limits, connections: 1, maxRequestsPerIdentity: 2 });
  await admitted(admission.admit('x'));
  const controller = new AbortController();
  const queued = admission.admit('x', controller.signal);
  controller.abort();
  expect(await queued).toMatchObject({ ok: false, reason: 'aborted' });
  expect(admission.pending).toBe(0);
  // The share is back: x may queue again.
  const again = admission.admit('x');
  expect(admission.pending).toBe(1);
  void again;
});
