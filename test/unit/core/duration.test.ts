import { describe, expect, test } from 'vitest';
import { parseDuration } from '../../../src/core/duration.js';

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['30d', 2_592_000_000],
    [' 5m ', 300_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '24', 'h', '1.5h', '-1h', '10ms', '2w', '24 h', '1H'])('%j is refused with an example of the form', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration .*: use a number and a unit, e\.g\. 24h, 30d, 15m/);
  });

  test('zero is refused', () => {
    expect(() => parseDuration('0s')).toThrow(/must be greater than zero/);
  });
});
