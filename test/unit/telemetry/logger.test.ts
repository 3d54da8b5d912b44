// The general logger redacts secret headers wherever a header object is logged, one level deep
// or at the top; the audit logger shares its destination.
import { expect, test } from 'vitest';
import { createLoggers } from '../../../src/telemetry/logger.js';
import { LogCapture } from '../../helpers/logs.js';

test('secret headers are redacted in the general log', () => {
  const capture = new LogCapture();
  const { log, audit } = createLoggers('info', capture);
  const headers = {
    authorization: 'Bearer SECRET-A',
    'proxy-authorization': 'Basic SECRET-B',
    cookie: 'sid=SECRET-C',
    'set-cookie': ['sid=SECRET-D'],
    signature: 'sig1=:SECRET-E:',
    'signature-input': 'sig1=();keyid="SECRET-F"',
    'x-api-key': 'SECRET-G',
    accept: 'application/json',
  };
  log.info({ headers }, 'top level');
  log.info({ req: { headers } }, 'nested');
  log.info({ token: 'SECRET-H', detail: { privateKey: 'SECRET-I', key: 'SECRET-J' } }, 'fields');
  audit.info({ type: 'request', request_id: 'r1' }, 'request');
  expect(capture.raw()).not.toContain('SECRET');
  expect(capture.raw()).toContain('application/json');
  expect(capture.lines()).toHaveLength(4);
  expect(capture.lines()[3]).toMatchObject({ type: 'request', request_id: 'r1', service: 'palisade' });
});
