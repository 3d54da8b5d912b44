// In-path drills run only in staging: a test file that starts a drilled sidecar in-process
// sets PALISADE_ENVIRONMENT before the sidecar starts and restores it after it stopped. Call
// inStaging() before the scenario's hooks: afterAll hooks run in reverse order, so the
// environment is restored last.
import { afterAll, beforeAll } from 'vitest';

export function inStaging(): void {
  const previous = process.env['PALISADE_ENVIRONMENT'];
  beforeAll(() => {
    process.env['PALISADE_ENVIRONMENT'] = 'staging';
  });
  afterAll(() => {
    if (previous === undefined) delete process.env['PALISADE_ENVIRONMENT'];
    else process.env['PALISADE_ENVIRONMENT'] = previous;
  });
}
