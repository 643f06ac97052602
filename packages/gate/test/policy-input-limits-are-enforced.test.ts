import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyError } from '../src/errors.js';
import { loadPolicyFile, parsePolicy } from '../src/policy/load.js';
import { MAX_POLICY_BYTES, MAX_POLICY_DEPTH } from '../src/policy/yaml-input.js';
import { FIXTURES, policyWith } from './fixtures/policy-documents.js';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as Error).message;
  }
  throw new Error('expected a PolicyError');
}

const VALID = JSON.stringify(policyWith());

describe('a policy file past the input limits is refused', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-policy-limits-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('JSON and YAML both load', async () => {
    expect(parsePolicy(VALID, 'p.json').gate).toBe('test-gate');
    expect(parsePolicy(new TextEncoder().encode(VALID), 'p.json').version).toBe(1);
    const reference = await loadPolicyFile(join(FIXTURES, 'reference.policy.yaml'));
    expect(Object.keys(reference.modes)).toEqual(['PUB', 'WORK']);
  });

  it('over the size limit, as text, bytes or a file (refused before it is read)', async () => {
    const padding = ' '.repeat(MAX_POLICY_BYTES);
    const big = `${VALID}\n${padding}`;
    expect(refusal(() => parsePolicy(big, 'big.json'))).toBe(
      'big.json: larger than the policy input limit of 8 MiB',
    );
    expect(refusal(() => parsePolicy(Buffer.from(big), 'big.json'))).toBe(
      'big.json: larger than the policy input limit of 8 MiB',
    );
    // Multi-byte characters: under the limit in UTF-16 units, over it in UTF-8 bytes.
    const wide = `# ${'é'.repeat(MAX_POLICY_BYTES / 2)}\n${VALID}`;
    expect(refusal(() => parsePolicy(wide, 'wide.yaml'))).toMatch(
      /larger than the policy input limit/,
    );
    const path = join(dir, 'big.json');
    await writeFile(path, big);
    await expect(loadPolicyFile(path)).rejects.toThrow(
      `${path}: larger than the policy input limit of 8 MiB`,
    );
  });

  it('binary content and invalid UTF-8', () => {
    expect(refusal(() => parsePolicy(`${VALID}\0`, 'p.json'))).toBe(
      `p.json: not a text file (a NUL character at offset ${VALID.length})`,
    );
    expect(refusal(() => parsePolicy(new Uint8Array([0x66, 0x00, 0x01]), 'p.bin'))).toBe(
      'p.bin: not a text file (a NUL byte at offset 1)',
    );
    expect(
      refusal(() => parsePolicy(new Uint8Array([0x61, 0x3a, 0x20, 0xff, 0xfe]), 'p.yaml')),
    ).toBe('p.yaml: not UTF-8 text');
  });

  it('nesting deeper than the limit, before the composer recurses', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(refusal(() => parsePolicy(deep, 'deep.yaml'))).toMatch(
      new RegExp(
        `^deep\\.yaml:1:${MAX_POLICY_DEPTH + 1}: nested too deeply: more than ${MAX_POLICY_DEPTH} levels`,
      ),
    );
  });

  it('a "billion laughs" alias expansion', () => {
    const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    expect(refusal(() => parsePolicy(lines.join('\n'), 'laughs.yaml'))).toMatch(
      /^laughs\.yaml:1:1: YAML aliases expand past the limit of 100/,
    );
  });

  it('a few shared anchors are fine', () => {
    const text = `format: bulwark.policy/v1
gate: g
version: 1
expiresAt: "2099-01-01T00:00:00Z"
defaultMode: PUB
modes:
  PUB:
    rules: &rules
      - { id: read, tool: items, action: read, effect: allow }
    egress: &egress []
  WORK:
    rules: *rules
    egress: *egress
`;
    expect(parsePolicy(text, 'anchors.yaml').modes.WORK?.rules[0]?.id).toBe('read');
  });

  it('empty files, several documents, syntax errors and duplicate keys', () => {
    expect(refusal(() => parsePolicy('', 'e.yaml'))).toBe('e.yaml:1:1: the policy is empty');
    expect(refusal(() => parsePolicy('# nothing\n', 'e.yaml'))).toBe(
      'e.yaml:1:1: the policy is empty',
    );
    expect(refusal(() => parsePolicy(`${VALID}\n---\n${VALID}\n`, 'two.yaml'))).toMatch(
      /^two\.yaml:2:1: a policy is one YAML document; this file holds several$/,
    );
    expect(refusal(() => parsePolicy('a: [1, 2\nb: 3\n', 's.yaml'))).toMatch(/^s\.yaml:\d+:\d+: /);
    expect(refusal(() => parsePolicy('gate: a\ngate: b\n', 'dup.yaml'))).toMatch(
      /^dup\.yaml:2:1: Map keys must be unique/,
    );
    expect(refusal(() => parsePolicy('[]', 'arr.yaml'))).toBe(
      'arr.yaml:1:1: policy: must be object',
    );
  });

  it('a file that cannot be read says why', async () => {
    await expect(loadPolicyFile(join(dir, 'missing.yaml'))).rejects.toThrow(
      /missing\.yaml: cannot read the policy \(no such file\)/,
    );
    await expect(loadPolicyFile(dir)).rejects.toThrow(/cannot read the policy \(not a file\)/);
  });
});
