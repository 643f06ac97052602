import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'bw-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs vitest on `files` with the repository's summary reporter; returns its closing line. */
function closingLine(files: Record<string, string>): {
  line: string;
  output: string;
  status: number | null;
} {
  const run = mkdtempSync(join(dir, 'run-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(run, name), text);
  writeFileSync(
    join(run, 'vitest.config.mjs'),
    `export default { test: { include: ['*.test.mjs'], reporters: [${JSON.stringify(join(ROOT, 'scripts/summary-reporter.ts'))}] } };`,
  );
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      'vitest.config.mjs',
      '--root',
      run,
    ],
    {
      cwd: run,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      timeout: 60_000,
    },
  );
  const output = `${result.stdout}${result.stderr}`;
  const line = output.split('\n').find((l) => l.startsWith('tests: ')) ?? '';
  return { line, output, status: result.status };
}

const PASSING = `import { test, expect } from 'vitest';\ntest('adds', () => expect(1 + 1).toBe(2));\n`;

describe('the closing summary line', () => {
  it('counts a test file whose import fails as failed, and names it', () => {
    const { line, output, status } = closingLine({
      'good.test.mjs': PASSING,
      'broken.test.mjs': `import './does-not-exist.mjs';\nimport { test } from 'vitest';\ntest('never collected', () => {});\n`,
    });
    expect(line).toBe('tests: 1 passed, 1 failed, 0 skipped');
    expect(output).toContain('failed outside any test (counted as failed): broken.test.mjs');
    expect(status).not.toBe(0);
  });

  it('counts a failing beforeAll once even though its tests never ran', () => {
    const { line } = closingLine({
      'hook.test.mjs': `import { beforeAll, describe, test } from 'vitest';\ndescribe('s', () => {\n  beforeAll(() => { throw new Error('system part missing'); });\n  test('a', () => {});\n});\n`,
    });
    expect(line).toMatch(/^tests: 0 passed, [1-9]\d* failed, \d+ skipped$/);
  });

  it('still prints the plain counts for a clean run', () => {
    expect(closingLine({ 'good.test.mjs': PASSING }).line).toBe(
      'tests: 1 passed, 0 failed, 0 skipped',
    );
  });
});
