import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractError, diffContracts, loadContractConfig } from '../src/index.js';
import { fixture, loadPair } from './openapi-documents.js';

function configError(run: () => unknown): ContractError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError);
    return error as ContractError;
  }
  throw new Error('expected a ContractError');
}

describe('level overrides', () => {
  it('a warning raised to error turns the verdict to fail', async () => {
    const [older, newer] = await loadPair(fixture('classes', 'response.enum.value-added'));
    expect(diffContracts(older, newer).verdict).toBe('pass');
    const diff = diffContracts(older, newer, { levels: { 'response.enum.value-added': 'error' } });
    expect(diff.changes.map((c) => c.level)).toEqual(['error']);
    expect(diff.counts).toEqual({ error: 1, warning: 0, info: 0 });
    expect(diff.verdict).toBe('fail');
  });

  it('an error lowered to warning passes', async () => {
    const [older, newer] = await loadPair(fixture('classes', 'request.property.removed'));
    const diff = diffContracts(older, newer, { levels: { 'request.property.removed': 'warning' } });
    expect(diff.changes.map((c) => [c.classId, c.level])).toEqual([
      ['request.property.removed', 'warning'],
    ]);
    expect(diff.breaking).toBe(0);
    expect(diff.verdict).toBe('pass');
  });

  it('an unknown class id or a bad level is BW_CONTRACT_CONFIG with a one-line message', async () => {
    const [older, newer] = await loadPair(fixture('classes', 'path.added'));
    const unknown = configError(() =>
      diffContracts(older, newer, { levels: { 'path.renamed': 'error' } }),
    );
    expect(unknown.code).toBe('BW_CONTRACT_CONFIG');
    expect(unknown.message).toBe(
      "levels: unknown change class 'path.renamed' (the classes are listed in docs/contracts.md)",
    );
    const badLevel = configError(() =>
      diffContracts(older, newer, { levels: { 'path.added': 'fatal' as 'error' } }),
    );
    expect(badLevel.message).toBe(
      "levels: level of 'path.added' must be error, warning or info, not 'fatal'",
    );
  });

  describe('bulwark.contract.yaml carries the overrides under `levels:`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-contract-levels-'));
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };

    it('returns the overrides beside the other settings of the file', () => {
      const file = write(
        'good.yaml',
        'snapshots: openapi\nlevels:\n  response.enum.value-added: error\n  request.pattern.changed: info\n',
      );
      expect(loadContractConfig(dir, file).levels).toEqual({
        'response.enum.value-added': 'error',
        'request.pattern.changed': 'info',
      });
      expect(loadContractConfig(dir, write('none.yaml', 'snapshots: openapi\n')).levels).toEqual(
        {},
      );
    });

    it.each([
      [
        'unknown.yaml',
        'levels:\n  response.nope: error\n',
        ": levels: unknown change class 'response.nope'",
      ],
      [
        'bad-level.yaml',
        'levels:\n  path.added: loud\n',
        ": levels: level of 'path.added' must be error, warning or info, not 'loud'",
      ],
      ['not-a-map.yaml', 'levels: [error]\n', ': /levels must be object'],
      ['bad-yaml.yaml', 'levels:\n  a: b\n   c: d\n', ': '],
    ])('%s is refused naming the file', (name, text, expected) => {
      const file = write(name, text);
      const error = configError(() => loadContractConfig(dir, file));
      expect(error.code).toBe('BW_CONTRACT_CONFIG');
      expect(error.message.startsWith(`${file}${expected}`)).toBe(true);
      expect(error.message).not.toMatch(/\n/);
    });

    it('a missing file is refused naming it', () => {
      const error = configError(() => loadContractConfig(dir, join(dir, 'missing.yaml')));
      expect(error.message).toBe(`cannot read ${join(dir, 'missing.yaml')}: ENOENT`);
    });
  });
});
