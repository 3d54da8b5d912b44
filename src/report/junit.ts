// JUnit XML for any list of test cases, so a CI pipeline shows a drill or a probe like a test
// run. The common schema (Jenkins, GitLab, GitHub test reporters): <testsuites> of
// <testsuite>, each <testcase> with at most one <failure>, <error> or <skipped>.
//
// Every text goes through xmlText/xmlAttr: they escape markup and replace characters XML 1.0
// cannot carry at all (control characters, lone surrogates) with U+FFFD, so evidence that
// quotes a peer can never break the document or be dropped silently.

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface TestCase {
  /** The <testsuite> this case belongs to. */
  readonly suite: string;
  readonly classname: string;
  readonly name: string;
  readonly status: TestStatus;
  readonly timeSeconds?: number;
  /** The failure/error/skipped message attribute: one line. */
  readonly message?: string;
  /** The failure/error body, or the case's <system-out> when it passed. */
  readonly detail?: string;
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const NOT_XML_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(text: string): string {
  // Newlines and tabs in attributes would be normalized to spaces by a parser: keep them as references.
  return xmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const time = (seconds: number | undefined) => (seconds ?? 0).toFixed(3);

function renderCase(test: TestCase): string {
  const open = `    <testcase classname="${xmlAttr(test.classname)}" name="${xmlAttr(test.name)}" time="${time(test.timeSeconds)}"`;
  const message = test.message !== undefined ? ` message="${xmlAttr(test.message)}"` : '';
  const body = test.detail !== undefined ? xmlText(test.detail) : '';
  switch (test.status) {
    case 'failed':
      return `${open}>\n      <failure${message} type="failure">${body}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error${message} type="error">${body}</error>\n    </testcase>`;
    case 'skipped':
      return `${open}>\n      <skipped${message}/>\n    </testcase>`;
    case 'passed':
      return test.detail !== undefined ? `${open}>\n      <system-out>${body}</system-out>\n    </testcase>` : `${open}/>`;
  }
}

export function renderJUnit(name: string, cases: readonly TestCase[], timestamp: string = new Date().toISOString()): string {
  const suites = new Map<string, TestCase[]>();
  for (const test of cases) suites.set(test.suite, [...(suites.get(test.suite) ?? []), test]);
  const count = (list: readonly TestCase[], status: TestStatus) => list.filter((test) => test.status === status).length;
  const total = (list: readonly TestCase[]) => list.reduce((sum, test) => sum + (test.timeSeconds ?? 0), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(name)}" tests="${cases.length}" failures="${count(cases, 'failed')}" errors="${count(cases, 'error')}" skipped="${count(cases, 'skipped')}" time="${time(total(cases))}">`,
  ];
  for (const [suite, list] of suites) {
    lines.push(
      `  <testsuite name="${xmlAttr(suite)}" tests="${list.length}" failures="${count(list, 'failed')}" errors="${count(list, 'error')}" skipped="${count(list, 'skipped')}" time="${time(total(list))}" timestamp="${xmlAttr(timestamp)}">`,
    );
    for (const test of list) lines.push(renderCase(test));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
