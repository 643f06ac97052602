import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import type { CriterionVerdict, EvidenceBundle } from '../src/evidence/model.js';
import { importMarkdownPlan } from '../src/plan/import/index.js';
import type { Plan } from '../src/plan/schema.js';
import { writeBack, writeBackMarkdown } from '../src/plan/write-back.js';
import { importSharedPlan, readSharedPlan } from './plan-shared-plans.js';

type Verdicts = Record<string, [CriterionVerdict, string]>;

/** A bundle as `bulwark verify` writes it, with the verdicts given and nothing else judged. */
function bundleOf(
  plan: Plan,
  verdicts: Verdicts,
  id = 'b-0001',
  finishedAt = '2026-03-01T10:00:00.000Z',
): EvidenceBundle {
  const criteria = plan.criteria
    .filter((c) => c.id in verdicts)
    .map((c) => {
      const [verdict, reason] = verdicts[c.id] as [CriterionVerdict, string];
      return {
        id: c.id,
        text: c.text,
        planStatus: c.status,
        required: true,
        verdict,
        reason,
        checks: [],
      };
    });
  const byVerdict = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, manual: 0, waived: 0 };
  for (const c of criteria) byVerdict[c.verdict] += 1;
  return {
    format: 'bulwark.evidence/v1',
    id,
    plan: { name: plan.name, path: 'trading.plan.yaml', sha256: '0'.repeat(64) },
    environment: 'local',
    startedAt: '2026-03-01T09:59:00.000Z',
    finishedAt,
    tool: { name: 'bulwark', version: '0.1.0', node: process.version },
    host: 'test',
    criteria,
    summary: { criteria: criteria.length, byVerdict, ok: false },
  };
}

const evidence = (
  verdict: string,
  reason: string,
  id = 'b-0001',
  at = '2026-03-01T10:00:00.000Z',
) => `  - Evidence: bulwark verify ${id} ${at}: ${verdict} (${reason})`;

describe('plan status --write: the trading tracker (004)', () => {
  const markdown = readSharedPlan('004_5f1834c59f514800.txt');
  const { plan } = importSharedPlan('004_5f1834c59f514800.txt');
  const verdicts: Verdicts = {
    'immediate.enforce-clean-tree-release-rule-document-release': ['pass', 'attested by alice/v1'],
    'immediate.add-mandatory-ci-gates-unit-tests': ['fail', 'no attestation'],
    'immediate.run-secret-scan-across-repo-rotate': ['manual', 'no checks and no attestation'],
    'short-term.build-mandatory-e2e-suite-user-service': [
      'waived',
      'waived by bob until 2026-06-30',
    ],
    'medium-term.enforce-encrypted-off-host-backups-monthly-restore': [
      'skip',
      'no service has control',
    ],
    'current-session-queue.add-ci-runtime-import-dependency-validation': ['pass', 'attested'],
  };
  const bundle = bundleOf(plan, verdicts);

  it('ticks and un-ticks boxes, adds evidence lines, and changes no other byte', () => {
    const lines = markdown.split('\n');
    const expected = [...lines];
    expected[23] = '- [x] Enforce clean-tree release rule and document release branch policy.';
    // Inserted from the bottom up so the indices above stay right.
    expected.splice(81, 0, evidence('skip', 'no service has control'));
    expected.splice(54, 0, evidence('waived', 'waived by bob until 2026-06-30'));
    expected[47] = '- [x] Build mandatory E2E suite for:';
    expected.splice(29, 0, evidence('fail', 'no attestation'));
    expected.splice(26, 0, evidence('pass', 'attested by alice/v1'));

    const result = writeBack(markdown, plan, bundle);
    expect(result.text).toBe(expected.join('\n'));
    expect(result.changes).toEqual([
      {
        criterion: 'immediate.enforce-clean-tree-release-rule-document-release',
        line: 24,
        box: { from: ' ', to: 'x' },
        evidence: 'added',
      },
      { criterion: 'immediate.add-mandatory-ci-gates-unit-tests', line: 27, evidence: 'added' },
      {
        criterion: 'short-term.build-mandatory-e2e-suite-user-service',
        line: 48,
        box: { from: ' ', to: 'x' },
        evidence: 'added',
      },
      {
        criterion: 'medium-term.enforce-encrypted-off-host-backups-monthly-restore',
        line: 79,
        evidence: 'added',
      },
    ]);
    expect(result.skipped).toEqual([]);
    // The team's own evidence lines stay; the numbered session queue has no box and is untouched.
    expect(result.text).toContain(
      '  - Evidence: CI/pre-release check output attached in commit/PR\n',
    );
    expect(result.text).toContain(
      '\n1. Add CI runtime import/dependency validation for `instrument_registry`.\n',
    );
  });

  it('replaces its own evidence line on the next run instead of adding another', () => {
    const once = writeBackMarkdown(markdown, plan, bundle);
    expect(writeBackMarkdown(once, plan, bundle)).toBe(once);

    const later = bundleOf(
      plan,
      {
        'immediate.enforce-clean-tree-release-rule-document-release': [
          'fail',
          'attestation expired',
        ],
      },
      'b-0002',
      '2026-04-01T10:00:00.000Z',
    );
    const twice = writeBackMarkdown(once, plan, later);
    const before = once.split('\n');
    const after = twice.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.flatMap((line, i) => (line === before[i] ? [] : [i + 1]));
    expect(changed).toEqual([24, 27]);
    expect(after[23]).toBe(
      '- [ ] Enforce clean-tree release rule and document release branch policy.',
    );
    expect(after[26]).toBe(
      evidence('fail', 'attestation expired', 'b-0002', '2026-04-01T10:00:00.000Z'),
    );
  });

  it('skips, and reports, a criterion whose line moved since the import', () => {
    const edited = `<!-- a note added on top -->\n${markdown}`;
    const result = writeBack(edited, plan, bundle);
    expect(result.text).toBe(edited);
    expect(result.changes).toEqual([]);
    expect(result.skipped.map((s) => s.criterion)).toEqual([
      'immediate.enforce-clean-tree-release-rule-document-release',
      'immediate.add-mandatory-ci-gates-unit-tests',
      'short-term.build-mandatory-e2e-suite-user-service',
      'medium-term.enforce-encrypted-off-host-backups-monthly-restore',
    ]);
    expect(result.skipped[0]?.reason).toBe(
      'line 24 no longer holds this criterion (it is on line 25 now): the markdown changed after the import; re-import it',
    );
  });
});

describe('plan status --write: box states and line endings', () => {
  const markdown = [
    '# Plan',
    '## Tasks',
    '- [~] in progress, failing',
    '- [-] deferred, failing',
    '- [-] deferred, passing',
    '- [x] done, failing',
    '- [ ] warned',
    '1. [ ] numbered, passing',
    '   - Evidence: bulwark verify old-id 2026-01-01T00:00:00.000Z: fail (old)',
    '- acceptance bullet, passing',
  ].join('\r\n'); // CRLF, and no newline at the end
  const { plan } = importMarkdownPlan(markdown, { sourcePath: 'PLAN.md' }, defaultRegistry());
  const ids = plan.criteria.map((c) => c.id);
  const verdicts: Verdicts = Object.fromEntries(
    (
      [
        ['fail', 'f'],
        ['error', 'e'],
        ['pass', 'p'],
        ['fail', 'f'],
        ['warn', 'w'],
        ['pass', 'p'],
        ['pass', 'p'],
      ] as const
    ).map(([verdict, reason], i) => [ids[i] as string, [verdict, reason]]),
  );
  const ev = (indent: string, v: string, r: string) =>
    `${indent}- Evidence: bulwark verify b-0001 2026-03-01T10:00:00.000Z: ${v} (${r})`;

  it('keeps [~] and [-] on a failure, ticks on a pass, keeps CRLF and the missing final newline', () => {
    const text = writeBackMarkdown(markdown, plan, bundleOf(plan, verdicts));
    expect(text).toBe(
      [
        '# Plan',
        '## Tasks',
        '- [~] in progress, failing',
        ev('  ', 'fail', 'f'),
        '- [-] deferred, failing',
        ev('  ', 'error', 'e'),
        '- [x] deferred, passing',
        ev('  ', 'pass', 'p'),
        '- [ ] done, failing',
        ev('  ', 'fail', 'f'),
        '- [ ] warned',
        ev('  ', 'warn', 'w'),
        '1. [x] numbered, passing',
        ev('   ', 'pass', 'p'),
        '- acceptance bullet, passing',
      ].join('\r\n'),
    );
  });

  it('adds an evidence line after the last line of a file without a final newline', () => {
    const single = '## Tasks\n- [ ] only item';
    const { plan: one } = importMarkdownPlan(single, { sourcePath: 'PLAN.md' }, defaultRegistry());
    const id = one.criteria[0]?.id as string;
    expect(writeBackMarkdown(single, one, bundleOf(one, { [id]: ['pass', 'ok'] }))).toBe(
      `## Tasks\n- [x] only item\n${ev('  ', 'pass', 'ok')}`,
    );
  });
});
