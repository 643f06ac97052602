import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_ALIAS_NODES, MAX_INPUT_BYTES, MAX_YAML_DEPTH } from '../src/index.js';
import { auditPaths, auditProject, only, project } from './helpers.js';

/**
 * YAML built to exhaust the audit (aliases that expand exponentially, nesting that overflows the
 * stack, binary or huge files) is reported as one located BW-INPUT-MALFORMED finding that says
 * which limit it broke. Before the limits, the bombs below ran past 120 s and 3 GB.
 */

/** A generous bound for work that takes well under a second; the bombs took minutes before. */
const BOMB_TIMEOUT_MS = 20_000;

function malformed(report: ReturnType<typeof auditPaths>) {
  return only(report, 'BW-INPUT-MALFORMED').map((finding) => ({
    file: finding.location.file,
    line: finding.location.line,
    message: finding.message,
  }));
}

const flowNest = (depth: number) => `${'['.repeat(depth)}x${']'.repeat(depth)}`;
const jsonNest = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function configMap(data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  nested: ${data}\n`;
}

describe('alias expansion is bounded', () => {
  it(
    'reports a compose "billion laughs" file as one finding',
    () => {
      const report = auditPaths(['limits/compose-alias-bomb.yaml']);
      expect(malformed(report)).toEqual([
        {
          file: 'limits/compose-alias-bomb.yaml',
          // x-f, whose nine uses of *e cross the limit: expansion stops there.
          line: 7,
          message: expect.stringMatching(
            /^YAML alias expansion exceeds the limit: .*100,000 nodes/,
          ),
        },
      ]);
      expect(report.objects).toBe(0);
    },
    BOMB_TIMEOUT_MS,
  );

  it(
    'reports a Deployment "billion laughs" manifest as one finding',
    () => {
      const report = auditPaths(['limits/deployment-alias-bomb.yaml']);
      expect(malformed(report)).toEqual([
        {
          file: 'limits/deployment-alias-bomb.yaml',
          line: 12,
          message: expect.stringContaining('YAML alias expansion exceeds the limit'),
        },
      ]);
      expect(report.findings.every((f) => f.location.file.endsWith('alias-bomb.yaml'))).toBe(true);
    },
    BOMB_TIMEOUT_MS,
  );

  it('still resolves ordinary anchors, merges and repeated aliases', () => {
    const services = Array.from(
      { length: 100 },
      (_, i) => `  s${i}:\n    <<: *defaults\n    image: nginx@sha256:${'0'.repeat(64)}\n`,
    ).join('');
    const report = auditProject({
      'compose.yaml': `x-defaults: &defaults\n  read_only: true\n  cap_drop: [ALL]\n  security_opt: [no-new-privileges:true]\n  environment: {A: "1", B: "2", C: "3"}\nservices:\n${services}`,
    });
    expect(malformed(report)).toEqual([]);
    expect(report.objects).toBe(100);
    expect(only(report, 'BW-CAPS-DROP-ALL')).toEqual([]);
  });

  it('allows exactly the limit of alias-added nodes, not one more', () => {
    // `&a` is a sequence of 9 scalars: 10 nodes. Each use of `*a` adds 10.
    const uses = (n: number) => `a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nlist:\n${'  - *a\n'.repeat(n)}`;
    const atLimit = auditProject({ 'x.yaml': uses(MAX_ALIAS_NODES / 10) });
    expect(malformed(atLimit)).toEqual([]);
    const over = auditProject({ 'x.yaml': `${uses(MAX_ALIAS_NODES / 10)}  - *a\n` });
    expect(malformed(over).map((f) => f.message)).toEqual([
      expect.stringContaining('YAML alias expansion exceeds the limit'),
    ]);
  });
});

describe('nesting depth is bounded', () => {
  it('parses a document nested exactly to the limit', () => {
    // The ConfigMap itself and `data` are two levels; the flow sequence makes up the rest.
    const report = auditProject({ 'deep.yaml': configMap(flowNest(MAX_YAML_DEPTH - 2)) });
    expect(malformed(report)).toEqual([]);
    expect(report.inputs).toEqual([{ file: 'deep.yaml', format: 'kubernetes', objects: 1 }]);
  });

  it('says a deeper YAML or JSON document is nested too deeply, and what the limit is', () => {
    const expected = `nested too deeply: more levels of mappings and sequences than the audit's limit of ${MAX_YAML_DEPTH}`;
    for (const [name, text] of [
      ['one-over.yaml', configMap(flowNest(MAX_YAML_DEPTH - 1))],
      ['far-over.yaml', configMap(flowNest(20_000))],
      ['block.yaml', configMap(`\n    ${'- '.repeat(MAX_YAML_DEPTH)}x`)],
      ['deep.json', jsonNest(50_000)],
    ] as const) {
      const dir = project({ [name]: text });
      const report = auditPaths([name], { cwd: dir });
      expect(malformed(report), name).toEqual([
        { file: name, line: expect.any(Number), message: expected },
      ]);
      expect(JSON.stringify(report)).not.toContain('call stack');
    }
  });

  it('counts the levels aliases add', () => {
    // Each anchor is 200 levels deep and nests the previous one: 400 levels once expanded.
    const text = `a: &a ${flowNest(200)}\nb: &b ${'['.repeat(200)}*a${']'.repeat(200)}\n`;
    const report = auditProject({ 'x.yaml': text });
    expect(malformed(report).map((f) => f.message)).toEqual([
      expect.stringMatching(/^nested too deeply: .* once aliases are expanded$/),
    ]);
  });
});

describe('only text within the size limit is parsed', () => {
  it('says a binary file is not a text file instead of quoting it', () => {
    const dir = project({});
    writeFileSync(
      join(dir, 'image.yaml'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff]),
    );
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('name: caf\xe9\n', 'latin1'));
    const report = auditPaths(['.'], { cwd: dir });
    expect(malformed(report)).toEqual([
      { file: 'image.yaml', line: 1, message: 'not a text file (a NUL byte at offset 8)' },
      { file: 'latin1.yaml', line: 1, message: 'not a text file (its first bytes are not UTF-8)' },
    ]);
    expect(report.inputs.map((input) => input.format)).toEqual(['refused', 'refused']);
  });

  it('treats binary stdin the same way', () => {
    const report = auditPaths(['-'], {
      stdin: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00]),
    });
    expect(malformed(report)).toEqual([
      { file: '<stdin>', line: 1, message: 'not a text file (a NUL byte at offset 6)' },
    ]);
  });

  it('refuses a file over the size limit without parsing it', () => {
    const dir = project({});
    // A valid manifest padded past the limit with a comment.
    const big = `${configMap('x')}#${'x'.repeat(MAX_INPUT_BYTES)}\n`;
    writeFileSync(join(dir, 'big.yaml'), big);
    const report = auditPaths(['big.yaml'], { cwd: dir });
    expect(malformed(report)).toEqual([
      { file: 'big.yaml', line: 1, message: "larger than the audit's input limit of 16 MiB" },
    ]);
  });
});
