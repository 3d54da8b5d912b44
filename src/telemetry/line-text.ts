// The pieces of a JSON log line written without pino's per-call object walk, each producing
// exactly the text pino produces for the same value, so a line built here is byte for byte the
// line pino would have written (test/unit/telemetry/request-line.test.ts compares the two).

/**
 * A string as a JSON string literal, escaped as pino escapes a top-level string field: up to
 * 100 UTF-16 units with no control character only `"` and `\` are escaped (everything else,
 * lone surrogates and U+2028 included, stays as it is); anything else goes through
 * JSON.stringify. Matching pino here, quirks included, keeps the line identical to what it was.
 */
export function jsonString(value: string): string {
  const length = value.length;
  if (length > 100) return JSON.stringify(value);
  let escaped = '';
  let last = 0;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 32) return JSON.stringify(value);
    if (code === 34 || code === 92) {
      escaped += value.slice(last, i) + '\\';
      last = i;
    }
  }
  return escaped === '' ? `"${value}"` : `"${escaped}${value.slice(last)}"`;
}

/** A number field's value as pino writes it: non-finite numbers become null. */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

let cachedSecond = Number.NaN;
/** "2026-12-01T16:35:21." for cachedSecond. */
let cachedSecondText = '';

/**
 * `new Date(ms).toISOString()` for the current time, from a per-second cache: at thousands of
 * lines a second, formatting a Date for each one was a visible share of the audit line's cost.
 * Same text as pino's isoTime for every time whose year has four digits (0000-9999).
 */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const text = new Date(second * 1000).toISOString();
    // Years outside 0000-9999 print as ±YYYYYY: not worth a cache, take the slow path.
    if (text.length !== 24) return new Date(ms).toISOString();
    cachedSecond = second;
    cachedSecondText = text.slice(0, 20);
  }
  const millis = ms - second * 1000;
  return cachedSecondText + (millis < 10 ? '00' : millis < 100 ? '0' : '') + millis + 'Z';
}
