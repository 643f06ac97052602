import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideGate } from '../src/gate/decide.js';
import { ONE_HOUR_LATER, SAMPLES_PATH, writtenBundle } from './evidence-fixtures.js';

describe('gate blocks on a bundle altered after signing', () => {
  it('blocks when bundle.json was edited, and trusts nothing in it', async () => {
    const { root, dir, keys, plan } = await writtenBundle({ verdicts: { metrics: 'fail' } });
    const path = join(dir, 'bundle.json');
    // Turn the failure into a pass: still valid JSON, still the right shape.
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll('"fail"', '"pass"'));
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.ok).toBe(false);
    expect(decision.blockers).toEqual([
      {
        code: 'altered',
        message: 'bundle.json: the signed document was altered after signing (its SHA-256 differs)',
      },
    ]);
    expect(decision.satisfied).toEqual([]);
    expect(decision.bundle?.signedBy).toBeUndefined();
  });

  it('blocks when an artifact was edited, though bundle.json is intact', async () => {
    const { root, dir, keys, plan } = await writtenBundle();
    writeFileSync(join(dir, SAMPLES_PATH), '{"samples":[0.1]}\n');
    const decision = await decideGate({
      plan,
      gateName: 'staging',
      evidenceRoot: root,
      keyring: keys.keyring,
      now: ONE_HOUR_LATER,
    });
    expect(decision.ok).toBe(false);
    expect(decision.blockers).toEqual([
      {
        code: 'altered',
        message: `${SAMPLES_PATH}: altered: its SHA-256 differs from bundle.json`,
      },
    ]);
  });
});
