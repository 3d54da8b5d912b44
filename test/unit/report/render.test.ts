// The shared report renderers: severity order, the text table, JUnit structure and escaping.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expect, test } from 'vitest';
import { atOrAbove, worstFirst, worstSeverity, type Finding } from '../../../src/report/findings.js';
import { renderJunit, renderText, type Report } from '../../../src/report/render.js';

const f = (id: string, severity: Finding['severity'], detail = 'd'): Finding => ({ check: 'c', id, severity, title: `${id} title`, detail, fix: 'do x' });

const report: Report = {
  name: 'palisade test',
  subject: 'host:1',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1234,
  cases: [
    { name: 'one', findings: [f('low_one', 'low'), f('crit_one', 'critical', 'a <b> & "c" \u0001')] },
    { name: 'two', findings: [] },
    { name: 'three', findings: [], skipped: 'not applicable' },
  ],
  sections: [{ title: 'Facts', rows: [['key', 'value\nwith newline']] }],
};

test('severities order info < low < medium < high < critical', () => {
  expect(atOrAbove('high', 'medium')).toBe(true);
  expect(atOrAbove('low', 'medium')).toBe(false);
  expect(atOrAbove('medium', 'medium')).toBe(true);
  expect(worstFirst([f('a', 'low'), f('b', 'critical'), f('c', 'low'), f('d', 'info')]).map((x) => x.id)).toEqual(['b', 'a', 'c', 'd']);
  expect(worstSeverity([])).toBeUndefined();
});

test('text: facts, findings worst first with a mark at or above the threshold, a verdict', () => {
  const text = renderText(report, { failOn: 'medium' });
  expect(text.indexOf('crit_one')).toBeLessThan(text.indexOf('low_one'));
  expect(text).toMatch(/^! CRITICAL crit_one/m);
  expect(text).toMatch(/^ {2}LOW {6}low_one/m);
  expect(text).toContain('value with newline');
  expect(text).toContain('three: not applicable');
  expect(text).toContain('FAIL: 1 finding(s) at or above medium');
  expect(renderText({ ...report, cases: [] }, { failOn: 'low' })).toContain('PASS: no finding at or above low');
});

test('JUnit: valid XML, a testcase per case, failures at or above the threshold, escaping', () => {
  const xml = renderJunit(report, { failOn: 'medium' });
  expect(XMLValidator.validate(xml)).toBe(true);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as { testsuites: { testsuite: { tests: string; failures: string; skipped: string; testcase: Array<Record<string, unknown>> } } };
  const suite = parsed.testsuites.testsuite;
  expect(suite.tests).toBe('3');
  expect(suite.failures).toBe('1');
  expect(suite.skipped).toBe('1');
  const one = suite.testcase[0] as { failure: { type: string; message: string; '#text': string }; 'system-out': string };
  expect(one.failure.type).toBe('critical');
  expect(one.failure.message).toBe('crit_one: crit_one title');
  expect(one.failure['#text']).toContain('a <b> & "c" \uFFFD');
  expect(one['system-out']).toContain('low low_one');
  expect(suite.testcase[2]).toHaveProperty('skipped');
});
