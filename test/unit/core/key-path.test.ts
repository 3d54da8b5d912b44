import { expect, test } from 'vitest';
import { formatPath } from '../../../src/core/key-path.js';

test('a key path reads as the operator writes it', () => {
  expect(formatPath(['inbound', 0, 'routes', 2, 'allow'])).toBe('inbound[0].routes[2].allow');
  expect(formatPath([0, 'name'])).toBe('[0].name');
  expect(formatPath([])).toBe('(root)');
});
