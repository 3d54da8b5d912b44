// Credential drill: forced refresh mid-operation. A long streaming download runs through the
// chain while its token is revoked at the broker. What happens, by design: the running
// response completes (the token was checked when the request started; nothing cuts a response
// that was authorised), the requests after the revocation are refused by the inbound sidecar
// (401 invalid_token), and the egress sidecar gets a new token and retries them: under a
// steady load of idempotent requests, none fails.
import { request } from 'undici';
import { expect, test } from 'vitest';
import { revoke } from '../helpers/broker.js';
import { steadyLoad, withChain, type Chain } from '../helpers/chain.js';
import type { TestPki } from '../helpers/pki.js';
import type { Handler } from '../helpers/upstream.js';
import { sleep, until } from '../helpers/wait.js';

const CHUNKS = 20;
let pki: TestPki;
let chain: Chain;
let downloadStarted = false;
let releaseDownload: (() => void) | undefined;

const app: Handler = (req, res) => {
  if (req.url?.startsWith('/download')) {
    downloadStarted = true;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    const next = () => {
      res.write(Buffer.alloc(1024, sent % 256));
      sent += 1;
      if (sent === CHUNKS / 2 && releaseDownload === undefined) {
        // Half way: wait until the test has revoked the token and the sidecars have seen it.
        new Promise<void>((resolve) => (releaseDownload = resolve)).then(next);
        return;
      }
      if (sent >= CHUNKS) res.end();
      else setTimeout(next, 20);
    };
    next();
    return;
  }
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
};

withChain((started) => ({ pki, chain } = started), { app, appStreaming: true });

test('the running download completes; the requests after the revocation use a new token', async () => {
  const load = steadyLoad(() => chain.call('/orders/1'), { workers: 2, maxMs: 60_000 });
  await until('traffic flows', async () => chain.app.received.length >= 5, 30_000, 50);
  const download = request(`${chain.egress.egressUrl}/download/big.bin`, { headers: { host: 'orders' }, bodyTimeout: 15_000 });
  await until('the download is streaming', async () => downloadStarted && releaseDownload !== undefined, 30_000, 20);
  const token = String(chain.app.received.find((seen) => seen.url.startsWith('/download'))?.headers.authorization).slice('Bearer '.length);
  const answer = await revoke(pki, chain.broker.url, { token });
  expect(answer.json<{ revoked: string[] }>().revoked).toHaveLength(1);
  const refusedBefore = chain.inbound.logs.requests().filter((line) => line['reason'] === 'token_revoked').length;
  await until('the inbound sidecar refuses the revoked token', async () => chain.inbound.logs.requests().filter((line) => line['reason'] === 'token_revoked').length > refusedBefore, 30_000, 50);
  releaseDownload?.();

  const response = await download;
  const body = Buffer.from(await response.body.arrayBuffer());
  expect(response.statusCode).toBe(200);
  expect(body.length).toBe(CHUNKS * 1024);
  await sleep(200);
  const after = await chain.call('/orders/after');
  const result = await load.stop();
  expect(after).toBe(200);
  const lastToken = String(chain.app.received[chain.app.received.length - 1]?.headers.authorization).slice('Bearer '.length);
  expect(lastToken).not.toBe(token);
  const sent = result.sent + 2;
  const failed = result.failed + (after === 200 ? 0 : 1);
  console.log(`drill refresh-mid-download: ${sent} requests sent (1 download of ${body.length} bytes, completed), ${failed} failed; ${chain.inbound.logs.requests().filter((line) => line['reason'] === 'token_revoked').length} refused at the inbound sidecar and retried by egress`);
  expect(failed).toBe(0);
}, 120_000);
