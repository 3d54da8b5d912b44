// Every reason code is documented in the README, and every code the README documents exists.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { REASONS } from '../../../src/core/reasons.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Reason codes'), readme.indexOf('\n## ', readme.indexOf('## Reason codes') + 5));

test('every reason code has a row in the README', () => {
  for (const code of Object.keys(REASONS)) expect(section, code).toContain(`| \`${code}\` |`);
});

test('the README documents no code that does not exist', () => {
  const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
  expect(documented.length).toBeGreaterThan(0);
  for (const code of documented) expect(Object.keys(REASONS)).toContain(code);
});

test('reason codes are snake_case', () => {
  for (const code of Object.keys(REASONS)) expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
});
