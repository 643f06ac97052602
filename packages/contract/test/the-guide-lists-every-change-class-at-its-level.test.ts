import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHANGE_CLASSES } from '../src/index.js';

const guide = readFileSync(
  fileURLToPath(new URL('../../../docs/contracts.md', import.meta.url)),
  'utf8',
);

describe('docs/contracts.md', () => {
  it('has one table row per change class, with its default level, in catalogue order', () => {
    const rows = [...guide.matchAll(/^\| `([a-z.-]+)` \| (error|warning|info) \|/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows).toEqual(CHANGE_CLASSES.map((c) => [c.id, c.level]));
  });
});
