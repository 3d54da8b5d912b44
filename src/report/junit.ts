// JUnit XML for any list of test cases, so a CI pipeline shows a drill or a probe like a test
// run. The common schema (Jenkins, GitLab, GitHub test reporters): <testsuites> of
// <testsuite>, each <testcase> with at most one <failure>, <error> or <skipped>.
//
// Every text goes through xmlText/xmlAttr: they escape markup and replace characters XML 1.0
// cannot carry at all (control characters, lone surrogates) with U+FFFD, so evidence that
// quotes a peer can never break the document or be dropped silently.

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

/** One <failure> of a failed case; a case may carry several (a probe check with two findings). */
export interface TestFailure {
  readonly message: string;
  /** The failure's `type` attribute, e.g. a severity; default `failure`. */
  readonly type?: string;
  readonly detail?: string;
}

export interface TestCase {
  /** The <testsuite> this case belongs to. */
  readonly suite: string;
  readonly classname: string;
  readonly name: string;
  readonly status: TestStatus;
  readonly timeSeconds?: number;
  /** The failure/error/skipped message attribute: one line. */
  readonly message?: string;
  /** The failure/error body, or the case's <system-out> when it passed (and `output` is absent). */
  readonly detail?: string;
  /** Several <failure> elements for a failed case, instead of the one made from message/detail. */
  readonly failures?: readonly TestFailure[];
  /** The case's <system-out>, whatever its status: what it found below the failure threshold. */
  readonly output?: string;
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

function failuresOf(test: TestCase): readonly TestFailure[] {
  return test.failures ?? [{ message: test.message ?? '', type: 'failure', ...(test.detail !== undefined ? { detail: test.detail } : {}) }];
}

function element(tag: 'failure' | 'error', message: string | undefined, type: string, detail: string | undefined): string {
  const attribute = message !== undefined ? ` message="${xmlAttr(message)}"` : '';
  return `      <${tag}${attribute} type="${xmlAttr(type)}">${detail !== undefined ? xmlText(detail) : ''}</${tag}>`;
}

function renderCase(test: TestCase): string {
  const open = `    <testcase classname="${xmlAttr(test.classname)}" name="${xmlAttr(test.name)}" time="${time(test.timeSeconds)}"`;
  const body: string[] = [];
  switch (test.status) {
    case 'failed':
      for (const failure of failuresOf(test)) body.push(element('failure', test.failures ? failure.message : test.message, failure.type ?? 'failure', failure.detail));
      break;
    case 'error':
      body.push(element('error', test.message, 'error', test.detail));
      break;
    case 'skipped':
      body.push(`      <skipped${test.message !== undefined ? ` message="${xmlAttr(test.message)}"` : ''}/>`);
      break;
    case 'passed':
      break;
  }
  const output = test.output ?? (test.status === 'passed' ? test.detail : undefined);
  if (output !== undefined) body.push(`      <system-out>${xmlText(output)}</system-out>`);
  return body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`;
}

export function renderJUnit(name: string, cases: readonly TestCase[], timestamp: string = new Date().toISOString()): string {
  const suites = new Map<string, TestCase[]>();
  for (const test of cases) suites.set(test.suite, [...(suites.get(test.suite) ?? []), test]);
  // Counts are of test cases, as JUnit readers expect, even where a case holds several <failure>s.
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
