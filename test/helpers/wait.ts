// The one way tests wait: `until` polls a condition with a bounded deadline and fails saying what
// it waited for; `sleep` pauses. Every wait in the suite is bounded, so a broken sidecar fails a
// test with a message instead of hanging the run.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll `probe` every `everyMs` until it returns true, for at most `timeoutMs`; otherwise throw
 * "timed out waiting for WHAT". `what` may be a function, read only on failure, so a test can
 * append what it saw (a child's stdout, the last status) to the message.
 */
export async function until(what: string | (() => string), probe: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}
