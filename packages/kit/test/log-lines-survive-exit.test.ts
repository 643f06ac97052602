import { join } from 'node:path';
import { spawnTs } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';

const entry = join(import.meta.dirname, 'processes', 'log-then-exit.ts');

const logLines = (lines: readonly string[]) =>
  lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { i: number; msg: string });

describe('the batched stdout destination', () => {
  it.each([
    ['process.exit in the same turn', 'exit', 0],
    ['an uncaught exception in the same turn', 'throw', 1],
  ])('loses no line on %s', async (_label, exit, code) => {
    const child = spawnTs(entry, { LINES: '3000', EXIT: exit });
    expect(await child.exited).toBe(code);
    const lines = logLines(child.lines);
    expect(lines).toHaveLength(3000);
    // In order, each once: batching must not reorder or repeat lines.
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
