import { describe, expect, it } from 'vitest';
import { isoAt } from '../src/logging/log-time.js';

describe('log timestamps', () => {
  it('match toISOString across millisecond, second, minute, day and year boundaries', () => {
    const boundaries = [
      Date.UTC(2026, 10, 23, 0, 0, 0, 0),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1, 0, 0, 0, 0),
      Date.UTC(2028, 1, 29, 12, 0, 59, 999),
      0,
    ];
    const times = boundaries.flatMap((t) => [
      t - 1001,
      t - 1000,
      t - 1,
      t,
      t + 1,
      t + 999,
      t + 1000,
    ]);
    // Then random instants in random order, so the per-second cache is hit and missed.
    for (let i = 0; i < 5_000; i++) times.push(Math.floor(Math.random() * Date.UTC(2100, 0, 1)));
    for (const t of times.filter((t) => t >= 0))
      expect(isoAt(t), String(t)).toBe(new Date(t).toISOString());
  });

  it('gives each millisecond of one second its own timestamp', () => {
    const start = Date.UTC(2026, 10, 23, 10, 20, 30, 0);
    for (let ms = 0; ms < 1000; ms++)
      expect(isoAt(start + ms)).toBe(`2026-11-23T10:20:30.${String(ms).padStart(3, '0')}Z`);
  });
});
