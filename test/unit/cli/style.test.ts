import { expect, test } from 'vitest';
import { styleFor, useColour } from '../../../src/cli/style.js';

test('colour only on a terminal, never with NO_COLOR set or TERM=dumb', () => {
  expect(useColour({ isTTY: true }, {})).toBe(true);
  expect(useColour({ isTTY: false }, {})).toBe(false);
  expect(useColour({}, {})).toBe(false);
  expect(useColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  expect(useColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true); // no-color.org: set and non-empty
  expect(useColour({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
});

test('the plain style returns text unchanged; the colour style wraps it in SGR codes', () => {
  expect(styleFor({ isTTY: false }, {}).red('x')).toBe('x');
  expect(styleFor({ isTTY: true }, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
});
