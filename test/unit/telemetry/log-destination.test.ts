// The batched stdout stream: lines wait for a batch, never longer than the flush timer, and
// flush() hands every line written so far to the file descriptor.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BATCH_BYTES, BatchedStdout } from '../../../src/telemetry/log-destination.js';

let dir: string;
let path: string;
let fd: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-log-'));
  path = join(dir, 'out.log');
  fd = openSync(path, 'a');
});

afterEach(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

const read = () => readFileSync(path, 'utf8');

test('flush() writes every line, whole and in order, before its callback', async () => {
  const stream = new BatchedStdout(fd);
  const lines = Array.from({ length: 500 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 97)}"}\n`);
  for (const line of lines) stream.write(line);
  await new Promise<void>((resolve, reject) => stream.flush((error) => (error ? reject(error) : resolve())));
  expect(read()).toBe(lines.join(''));
});

test('a line smaller than a batch is written by the timer, without a flush() call', async () => {
  const stream = new BatchedStdout(fd);
  const line = '{"msg":"lonely"}\n';
  expect(line.length).toBeLessThan(BATCH_BYTES);
  stream.write(line);
  // Bounded wait; the timer runs every FLUSH_MS.
  for (let i = 0; i < 200 && read() !== line; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(read()).toBe(line);
});

test('flushSync() writes what is buffered at once (the exit path)', () => {
  const stream = new BatchedStdout(fd);
  stream.write('{"a":1}\n');
  stream.write('{"b":2}\n');
  stream.flushSync();
  expect(read()).toBe('{"a":1}\n{"b":2}\n');
});

test('flush() while a batch is being written still writes the smaller rest before its callback', async () => {
  const stream = new BatchedStdout(fd);
  // More than a batch starts a write at once; the lines after it wait below a batch.
  const big = `{"big":"${'y'.repeat(BATCH_BYTES)}"}\n`;
  const rest = Array.from({ length: 20 }, (_, i) => `{"rest":${i}}\n`);
  stream.write(big);
  for (const line of rest) stream.write(line);
  await new Promise<void>((resolve, reject) => stream.flush((error) => (error ? reject(error) : resolve())));
  expect(read()).toBe(big + rest.join(''));
  // Nothing left: a second flush calls back at once.
  await new Promise<void>((resolve, reject) => stream.flush((error) => (error ? reject(error) : resolve())));
  expect(read()).toBe(big + rest.join(''));
});

test('lines left below a batch behind a write in flight are written by the timer, with no more lines coming', async () => {
  const stream = new BatchedStdout(fd);
  const big = `{"big":"${'z'.repeat(BATCH_BYTES)}"}\n`;
  const tail = '{"tail":true}\n';
  stream.write(big);
  stream.write(tail);
  for (let i = 0; i < 200 && read() !== big + tail; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(read()).toBe(big + tail);
});

test('non-ASCII text is written as UTF-8, a lone surrogate as U+FFFD, as a string write did', () => {
  const stream = new BatchedStdout(fd);
  const line = '{"s":"é中😀\ud800"}\n';
  stream.write(line);
  stream.flushSync();
  expect(readFileSync(path)).toEqual(Buffer.from(line, 'utf8'));
  expect(read()).toBe('{"s":"é中😀\ufffd"}\n');
});
