// The Dockerfile passes a real Dockerfile linter (dockerfile-utils, every rule at its default
// severity, plus instruction casing) and holds what a sidecar image needs: base images pinned by
// version, a numeric USER, exec-form ENTRYPOINT (no shell at runtime), no RUN in the runtime stage,
// OCI labels with the package version, STOPSIGNAL SIGTERM; .dockerignore keeps tests and keys out.
import { readFileSync } from 'node:fs';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { expect, test } from 'vitest';
import { pairs, readDockerfile } from '../helpers/dockerfile.js';

const path = new URL('../../Dockerfile', import.meta.url).pathname;
const { text, stages } = readDockerfile(path);
const runtime = stages[stages.length - 1]!;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; license: string };

test('dockerfile-utils finds no problem', () => {
  const problems = validate(text, { instructionCasing: ValidationSeverity.ERROR, deprecatedMaintainer: ValidationSeverity.ERROR, emptyContinuationLine: ValidationSeverity.ERROR, directiveCasing: ValidationSeverity.ERROR });
  expect(problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`)).toEqual([]);
});

test('the linter does report a broken Dockerfile (so the clean result means something)', () => {
  expect(validate('FROM node:24\nCOPY\nEXPOSE abc\nfrom x\n', { instructionCasing: ValidationSeverity.ERROR }).length).toBeGreaterThanOrEqual(3);
});

test('every base image is pinned by version (no latest, no bare major)', () => {
  expect(stages.length).toBe(2);
  for (const stage of stages) {
    expect(stage.image, stage.image).not.toMatch(/:latest$|^[^:]+$/);
  }
  expect(stages[0]!.image).toMatch(/^node:\d+\.\d+\.\d+-/);
});

test('runtime stage: numeric user, no shell needed, SIGTERM, labels with version and source', () => {
  const steps = (keyword: string) => runtime.steps.filter((step) => step.keyword === keyword);
  expect(steps('USER').map((s) => s.text)).toEqual(['10001:10001']);
  expect(steps('RUN')).toEqual([]);
  expect(steps('ADD')).toEqual([]);
  expect(steps('STOPSIGNAL').map((s) => s.text)).toEqual(['SIGTERM']);
  const entrypoint = JSON.parse(steps('ENTRYPOINT')[0]!.text) as string[];
  expect(entrypoint[0]).toBe('/usr/local/bin/node');
  expect(() => JSON.parse(steps('CMD')[0]!.text) as string[]).not.toThrow();
  const labels = Object.assign({}, ...steps('LABEL').map((s) => pairs(s.text))) as Record<string, string>;
  expect(labels['org.opencontainers.image.version']).toBe(pkg.version);
  expect(labels['org.opencontainers.image.licenses']).toBe(pkg.license);
  for (const key of ['title', 'description', 'revision', 'source', 'base.name']) expect(labels[`org.opencontainers.image.${key}`], key).toBeTruthy();
});

test('.dockerignore sends only package files, tsconfig, src and bench; never keys or certificates', () => {
  const rules = readFileSync(new URL('../../.dockerignore', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  expect(rules[0]).toBe('*');
  expect(rules).toEqual(expect.arrayContaining(['**/*.pem', '**/*.key']));
  expect(rules.filter((rule) => rule.startsWith('!')).sort()).toEqual(['!bench/', '!package-lock.json', '!package.json', '!src/', '!tsconfig.build.json', '!tsconfig.json']);
});
