import { expect, test } from 'vitest';
import { closest, editDistance, longOptions, unknownOptionOf } from '../../../src/cli/suggest.js';

test('edit distance counts a transposition as one edit', () => {
  expect(editDistance('config', 'config')).toBe(0);
  expect(editDistance('cofnig', 'config')).toBe(1);
  expect(editDistance('valdate', 'validate')).toBe(1);
  expect(editDistance('', 'abc')).toBe(3);
});

test('suggests only what is close enough to be a typo', () => {
  const commands = ['run', 'validate', 'demo', 'certs', 'sign', 'version', 'help'];
  expect(closest('valdate', commands)).toBe('validate');
  expect(closest('cert', commands)).toBe('certs');
  expect(closest('verison', commands)).toBe('version');
  expect(closest('rn', commands)).toBe('run');
  expect(closest('deploy', commands)).toBeUndefined();
  expect(closest('x', commands)).toBeUndefined();
  expect(closest('--confg', ['--config', '--format'])).toBe('--config');
  expect(closest('--form', ['--config', '--format'])).toBe('--format');
});

test('long options come from the help flags; parseArgs errors name the option', () => {
  expect(longOptions(['-c, --config FILE', '--format text|json', '-i, --identity [NAME=]ID', '--ca-validity D'])).toEqual(['--config', '--format', '--identity', '--ca-validity']);
  expect(unknownOptionOf({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION', message: "Unknown option '--confg'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--confg\"." })).toBe('--confg');
  expect(unknownOptionOf({ code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE', message: 'x' })).toBeUndefined();
});
