import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffContracts } from '../src/index.js';
import { fixture, loadPair } from './openapi-documents.js';

/** What each non-breaking pair is expected to report (all info-level). */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  // Same contract: a renamed path variable, a header in another case, keys reordered.
  'renamed-path-variable': [],
  // An inline object refactored into allOf of a shared base and an extension.
  'allof-refactor': [],
  // 3.0 nullable / boolean exclusiveMinimum rewritten in 3.1 spelling.
  'openapi-3.0-to-3.1': [],
  // oneOf branches reordered: matched by discriminator value and by type.
  'oneof-branches-reordered': [],
  // An allOf branch's description moved beside the allOf with the same text.
  'description-moved-out-of-allof': [],
  'security-alternative-added': ['security.requirement.removed'],
  'additive-changes': [
    'path.added',
    'parameter.added-optional',
    'request.constraint.relaxed',
    'request.enum.value-added',
    'request.property.added-optional',
    'request.type.widened',
    'response.property.added',
    'response.status.added',
  ],
};

describe('non-breaking changes pass the diff', () => {
  it('has an expectation for every non-breaking pair', () => {
    expect(readdirSync(fixture('non-breaking')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s passes with no error or warning', async (name, classes) => {
    const [older, newer] = await loadPair(fixture('non-breaking', name));
    const diff = diffContracts(older, newer);
    expect(diff.verdict).toBe('pass');
    expect(diff.counts.error).toBe(0);
    expect(diff.counts.warning).toBe(0);
    expect(diff.breaking).toBe(0);
    expect([...new Set(diff.changes.map((change) => change.classId))].sort()).toEqual(
      [...classes].sort(),
    );
  });

  it('reports nothing for a document compared with itself', async () => {
    const [older] = await loadPair(fixture('non-breaking', 'additive-changes'));
    const diff = diffContracts(older, older);
    expect(diff).toMatchObject({ changes: [], breaking: 0, verdict: 'pass' });
    expect(diff.counts).toEqual({ error: 0, warning: 0, info: 0 });
  });
});
