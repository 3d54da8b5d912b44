// Every probe finding id is documented in the README's table, with its check and default
// severity, and the README documents no id that does not exist.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { PROBE_FINDINGS } from '../../../src/probe/finding.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('#### Probe findings');
const section = readme.slice(start, readme.indexOf('\n## ', start));

test('every finding id has a row with its check and severity', () => {
  expect(start).toBeGreaterThan(0);
  for (const [id, info] of Object.entries(PROBE_FINDINGS)) expect(section, id).toContain(`| \`${id}\` | ${info.check} | ${info.severity} |`);
});

test('the README documents no id that does not exist', () => {
  const documented = [...section.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((match) => match[1]);
  expect(documented.length).toBe(Object.keys(PROBE_FINDINGS).length);
  for (const id of documented) expect(Object.keys(PROBE_FINDINGS)).toContain(id);
});

test('ids are snake_case', () => {
  for (const id of Object.keys(PROBE_FINDINGS)) expect(id).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
});
