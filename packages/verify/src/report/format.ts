/**
 * How the reports write times, durations and sizes. Reports must render the same bytes for the
 * same bundle on every machine, so nothing here depends on the locale or the local time zone.
 */

/** `2026-12-02T07:29:14.123Z` → `2026-12-02 07:29:14 UTC`; text that is not a time is returned as is. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** 850 → `850 ms`, 12_400 → `12.4 s`, 192_000 → `3m 12s`. */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${formatNumber(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

/** A measurement for people: integers as they are, fractions to at most two decimals. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return String(Number(value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2)));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024)} KiB`;
  return `${formatNumber(bytes / (1024 * 1024))} MiB`;
}

/** A measurement value of any shape the model allows, on one line. */
export function formatMeasurement(value: number | string | boolean | readonly unknown[]): string {
  if (typeof value === 'number') return formatNumber(value);
  if (Array.isArray(value))
    return value.length > 0 ? value.map((v) => String(v)).join(', ') : '(none)';
  return String(value);
}

/** `+12.5 ms` / `-3 ms`: the sign is always written, so a delta reads as a change. */
export function formatDelta(delta: number, unit: string): string {
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '±';
  return `${sign}${formatNumber(Math.abs(delta))} ${unit}`;
}
