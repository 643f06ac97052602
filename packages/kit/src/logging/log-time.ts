/**
 * ISO-8601 timestamps for log lines. `toISOString` costs about a microsecond on these machines,
 * as much as the rest of an access line, so it runs at most once per second: the
 * `YYYY-MM-DDTHH:MM:SS.` prefix is kept for the second and the milliseconds are appended from a
 * table. Under load tens of lines share a millisecond and reuse the whole string; a quiet service,
 * whose every line falls in a new millisecond, still skips the formatting.
 */
const MILLIS = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0'));

let cachedSecond = -1;
let cachedPrefix = '';
let cachedAt = -1;
let cachedIso = '';

/** `new Date(ms).toISOString()`, for the years 1970 to 9999. */
export function isoAt(ms: number): string {
  if (ms !== cachedAt) {
    const second = Math.floor(ms / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    cachedAt = ms;
    cachedIso = `${cachedPrefix}${MILLIS[ms - second * 1000]}Z`;
  }
  return cachedIso;
}

export const isoNow = (): string => isoAt(Date.now());

/** pino's `timestamp` option: the `,"time":"…"` fragment pino splices into each line. */
export const isoTimeField = (): string => `,"time":"${isoNow()}"`;
