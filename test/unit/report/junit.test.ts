import { describe, expect, it } from 'vitest';
import { renderJUnit, xmlAttr, xmlText } from '../../../src/report/junit.js';

describe('JUnit XML', () => {
  it('escapes markup in text and attributes', () => {
    expect(xmlText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
    expect(xmlAttr(`"quoted" 'single' <tag> & more`)).toBe('&quot;quoted&quot; &apos;single&apos; &lt;tag&gt; &amp; more');
    expect(xmlAttr('two\nlines\tand\rcr')).toBe('two&#10;lines&#9;and&#13;cr');
  });

  it('replaces characters XML cannot carry instead of dropping them', () => {
    expect(xmlText('nul\u0000 bell\u0007 esc\u001b')).toBe('nul\uFFFD bell\uFFFD esc\uFFFD');
    expect(xmlText('lone \uD800 surrogate')).toBe('lone \uFFFD surrogate');
    expect(xmlText('emoji 😀 stays')).toBe('emoji 😀 stays');
    expect(xmlText('\uFFFE\uFFFF')).toBe('\uFFFD\uFFFD');
  });

  it('renders suites, counts and one element per status', () => {
    const xml = renderJUnit(
      'run <1>',
      [
        { suite: 's1', classname: 'c', name: 'ok', status: 'passed', timeSeconds: 0.5 },
        { suite: 's1', classname: 'c', name: 'bad', status: 'failed', message: 'it "broke"', detail: 'a < b' },
        { suite: 's2', classname: 'd', name: 'unknown', status: 'error', message: 'no answer' },
        { suite: 's2', classname: 'd', name: 'later', status: 'skipped' },
      ],
      '2026-01-01T00:00:00.000Z',
    );
    expect(xml).toContain('<testsuites name="run &lt;1&gt;" tests="4" failures="1" errors="1" skipped="1" time="0.500">');
    expect(xml).toContain('<testsuite name="s1" tests="2" failures="1" errors="0" skipped="0" time="0.500" timestamp="2026-01-01T00:00:00.000Z">');
    expect(xml).toContain('<testcase classname="c" name="ok" time="0.500"/>');
    expect(xml).toContain('<failure message="it &quot;broke&quot;" type="failure">a &lt; b</failure>');
    expect(xml).toContain('<error message="no answer" type="error"></error>');
    expect(xml).toContain('<skipped/>');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  });
});
