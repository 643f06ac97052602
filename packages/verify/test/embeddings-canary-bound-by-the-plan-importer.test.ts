import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { bindCriterion } from '../src/plan/import/bind.js';

describe('the plan importer binds GPU canary criteria to embeddings.canary', () => {
  const registry = defaultRegistry();

  for (const text of [
    'GPU canary passes without regressions before full enablement.',
    'The embeddings canary must pass before the GPU path is promoted',
    'Promote GPU only after the GPU canary matches the CPU output',
  ]) {
    it(`binds "${text}"`, () => {
      const result = bindCriterion(text, registry);
      expect(result.kind).toBe('bound');
      if (result.kind !== 'bound') return;
      expect(result.bindings.map((b) => [b.check, b.with])).toEqual([['embeddings.canary', {}]]);
      expect(result.bindings[0]!.because).toMatch(/services: \[\.\.\.\]/);
    });
  }

  it('leaves a GPU latency or cost claim manual, saying what the check does not judge', () => {
    const result = bindCriterion('GPU canary passes with p99 latency under 20ms', registry);
    expect(result).toEqual({
      kind: 'manual',
      reason:
        'embeddings.canary judges GPU-vs-CPU embedding similarity and failures; GPU latency, throughput or cost need their own measure',
    });
  });

  it('does not bind a canary that is not about GPU or embeddings, or names no outcome', () => {
    expect(bindCriterion('Canary deployments pass before rollout', registry).kind).toBe('manual');
    expect(bindCriterion('Set up a GPU canary', registry).kind).toBe('manual');
  });
});
