// palisade broker -c broker.yaml: run the token broker (OAuth 2.0 client credentials over mTLS).
// palisade broker keys rotate|disable -c broker.yaml: change its signing keys on disk; a running
// broker reading the same directory picks the change up within a second.
import { parseArgs } from 'node:util';
import { Broker, BrokerStartError } from '../broker/broker.js';
import { loadBrokerFile } from '../broker/config.js';
import { checkGrantsAgainst } from '../broker/least-privilege.js';
import { parseDuration } from '../core/duration.js';
import { KeyRing } from '../broker/keys.js';
import type { Command } from './command.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './usage.js';

function load(path: string | undefined) {
  if (!path) throw new UsageError('broker needs -c FILE');
  const result = loadBrokerFile(path);
  if (!result.ok) {
    process.stderr.write(`${path}: ${result.errors.length} error(s)\n`);
    for (const error of result.errors) process.stderr.write(`  ${error}\n`);
    return undefined;
  }
  return result.value;
}

async function keysCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' }, kid: { type: 'string' }, now: { type: 'boolean' } }, strict: true });
  if (action !== 'rotate' && action !== 'disable') throw new UsageError('broker keys needs rotate or disable');
  const loaded = load(values.config);
  if (!loaded) return EXIT_FINDINGS;
  const ring = new KeyRing({ dir: loaded.resolvePath(loaded.config.keys.dir), algorithm: loaded.config.keys.algorithm, maxLifetimeMs: parseDuration(loaded.config.tokens.maxLifetime), prepublishMs: parseDuration(loaded.config.keys.prepublish) });
  await ring.open();
  if (action === 'rotate') {
    const result = await ring.rotate(values.now === true);
    process.stdout.write(`rotated: new key ${result.kid}, signing from ${new Date(result.activeAt).toISOString()}${result.previous ? `; ${result.previous} then retires (published until its tokens expire)` : ''}\n`);
    return EXIT_OK;
  }
  if (!values.kid) throw new UsageError('broker keys disable needs --kid KID');
  const { rotated } = await ring.disable(values.kid);
  process.stdout.write(`disabled: ${values.kid} removed from the key set${rotated ? `; new current key ${rotated.kid}` : ''}\n`);
  return EXIT_OK;
}

export async function brokerCommand(args: string[]): Promise<number> {
  if (args[0] === 'keys') return keysCommand(args.slice(1));
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, 'check-least-privilege': { type: 'string', multiple: true } }, strict: true });
  const loaded = load(values.config);
  if (!loaded) return EXIT_FINDINGS;
  const broker = new Broker(loaded);
  try {
    await broker.start();
  } catch (error) {
    const errors = error instanceof BrokerStartError ? error.errors : [(error as Error).message];
    process.stderr.write(`palisade broker: cannot start:\n${errors.map((line) => `  ${line}\n`).join('')}`);
    await broker.close().catch(() => undefined);
    return EXIT_FINDINGS;
  }
  for (const file of values['check-least-privilege'] ?? []) {
    const report = checkGrantsAgainst(broker.currentGrants, loaded.config.issuer, file);
    for (const problem of report.errors) broker.log.error({ type: 'least_privilege', file, problem }, 'cannot check least privilege');
    for (const finding of report.findings) broker.log.warn({ type: 'least_privilege', file, client: finding.grant, excess: finding.excess }, 'grant is broader than the audience needs');
    for (const finding of report.findings) process.stderr.write(`least privilege: grant ${finding.grant} holds scopes no route of ${file} requires: ${finding.excess.join(' ')}\n`);
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      broker.log.info({ type: 'lifecycle', signal }, 'shutdown requested');
      broker.close().then(
        () => resolve(EXIT_OK),
        () => resolve(EXIT_OK),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => broker.reloadGrants('SIGHUP'));
  });
}

export const broker: Command = {
  help: {
    name: 'broker',
    summary: 'run the token broker: OAuth 2.0 client credentials over mTLS, RFC 9068 tokens',
    usage: ['broker -c broker.yaml [--check-least-privilege palisade.yaml]', 'broker keys rotate -c broker.yaml [--now]', 'broker keys disable -c broker.yaml --kid KID'],
    description:
      'Serves POST /token, POST /revoke, GET /revoked, /.well-known/jwks.json and\n/.well-known/oauth-authorization-server over HTTPS; /metrics, /healthz, /readyz on the admin listener.\nSIGHUP or a change to the grants file reloads the grants (a broken file keeps the running ones).\n`keys rotate` makes a new current key; `keys disable` removes a (compromised) key from the key set at once.',
    options: [
      { flags: '-c, --config FILE', description: 'the broker config', required: true },
      { flags: '--check-least-privilege FILE', description: "an audience's Palisade config: report grants holding scopes none of its routes require (repeatable)" },
      { flags: '--kid KID', description: 'keys disable: the key to remove' },
      { flags: '--now', description: 'keys rotate: sign with the new key at once instead of after keys.prepublish' },
    ],
    examples: ['palisade broker -c broker.yaml --check-least-privilege orders/palisade.yaml', 'palisade broker keys rotate -c broker.yaml'],
  },
  run: brokerCommand,
};
