import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLS, type Format } from '../src/index.js';
import { auditPaths, FIXTURES } from './helpers.js';

const EXTENSION: Record<Format, string> = {
  kubernetes: 'yaml',
  compose: 'yaml',
  dockerfile: 'Dockerfile',
};

/** The line the fixture marks as where the finding must point: `# expect` on it, or `# expect-next` above it. */
function expectedLine(text: string): number | undefined {
  const lines = text.split('\n');
  const same = lines.findIndex((line) => /#\s*expect\s*$/.test(line));
  if (same >= 0) return same + 1;
  const next = lines.findIndex((line) => /^#\s*expect-next\s*$/.test(line));
  return next >= 0 ? next + 2 : undefined;
}

const cases = CONTROLS.flatMap((control) => control.formats.map((format) => ({ control, format })));

describe('every control has a passing and a failing fixture in every format it applies to', () => {
  it('covers the whole catalogue', () => {
    expect(cases.length).toBeGreaterThan(40);
    const missing = cases.flatMap(({ control, format }) =>
      ['pass', 'fail']
        .map((kind) => `${format}/${control.id}.${kind}.${EXTENSION[format]}`)
        .filter((path) => !existsSync(join(FIXTURES, 'controls', path))),
    );
    expect(missing).toEqual([]);
  });

  it.each(cases.map(({ control, format }) => [control.id, format] as const))(
    '%s (%s)',
    (id, format) => {
      const base = `controls/${format}/${id}`;
      const pass = auditPaths([`${base}.pass.${EXTENSION[format]}`]);
      expect(pass.inputs[0]?.format).toBe(format);
      expect(pass.findings.filter((f) => f.controlId === id)).toEqual([]);

      const failPath = `${base}.fail.${EXTENSION[format]}`;
      const fail = auditPaths([failPath]);
      const hits = fail.findings.filter((f) => f.controlId === id);
      expect(hits, `${failPath} should fail ${id}`).toHaveLength(1);
      const line = expectedLine(readFileSync(join(FIXTURES, failPath), 'utf8'));
      expect(line, `${failPath} needs a # expect or # expect-next marker`).toBeDefined();
      expect(hits[0]?.location.line).toBe(line);
      expect(hits[0]?.location.file).toBe(failPath);
    },
  );

  it('the hardened bases pass every control', () => {
    for (const format of ['kubernetes', 'compose', 'dockerfile'] as const) {
      const report = auditPaths([`controls/${format}/BW-IMAGE-DIGEST.pass.${EXTENSION[format]}`]);
      expect(report.findings.map((f) => `${f.controlId} ${f.message}`)).toEqual([]);
    }
  });

  it('docs/audit.md lists every control of the catalogue', () => {
    const guide = readFileSync(join(FIXTURES, '..', '..', '..', '..', 'docs', 'audit.md'), 'utf8');
    expect(
      CONTROLS.filter((control) => !new RegExp(`\\|\\s*\`${control.id}\`\\s*\\|`).test(guide)).map(
        (c) => c.id,
      ),
    ).toEqual([]);
  });
});
