import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyringOf, MemoryAuditSink, openKeyProvider, openOrCreateKey } from '@bulwark/keys';
import {
  BUNDLE_FILE,
  defaultRegistry,
  type EvidenceBundle,
  loadPlan,
  readAttestations,
  writeBundle,
} from '@bulwark/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as bulwark, expectOneLineFailure } from './run-cli.js';

// The commands keep keys, attestations, evidence and the signature log under the working
// directory (.bulwark/...), as a team's checkout would; each test file gets its own.
const work = mkdtempSync(join(tmpdir(), 'bulwark-plan-attest-'));
const home = process.cwd();
const env = { NODE_ENV: undefined, BULWARK_KEYS_PROVIDER: undefined, BULWARK_KEYS_DIR: undefined };

const MARKDOWN = [
  '# Payments hardening',
  '',
  '## Now',
  '',
  '- [ ] Publish the incident runbook',
  '  - Owner: SRE',
  '  - Evidence: runbook under docs/',
  '- [~] Graceful shutdown completes within 30s',
  '- [ ] Restore drill under 1 hour',
  '',
].join('\n');

beforeAll(async () => {
  process.chdir(work);
  writeFileSync('PLAN.md', MARKDOWN);
  const run = await bulwark(
    ['plan', 'import', 'PLAN.md', '-o', 'bulwark.plan.yaml', '--name', 'payments'],
    env,
  );
  expect(run.code).toBe(0);
});
afterAll(() => {
  process.chdir(home);
  rmSync(work, { recursive: true, force: true });
});

const RUNBOOK = 'now.publish-incident-runbook';
const SHUTDOWN = 'now.graceful-shutdown-completes-30s';
const RESTORE = 'now.restore-drill-under-1-hour';

describe('bulwark plan attest', () => {
  it('an unknown criterion is one line and exit 2, with the ids it may have meant', async () => {
    expectOneLineFailure(
      await bulwark(['plan', 'attest', 'now.no-such-thing', '--plan', 'bulwark.plan.yaml'], env),
      /bulwark\.plan\.yaml has no criterion "now\.no-such-thing"/,
    );
    expectOneLineFailure(
      await bulwark(['plan', 'attest', 'runbook', '--plan', 'bulwark.plan.yaml'], env),
      /did you mean now\.publish-incident-runbook\?/,
    );
  });

  it('a criterion a check judges cannot be attested', async () => {
    expectOneLineFailure(
      await bulwark(['plan', 'attest', SHUTDOWN, '--plan', 'bulwark.plan.yaml'], env),
      /is checked by drill\.shutdown; an attestation counts only for a manual criterion/,
    );
  });

  it('a missing plan or a bad validity is one line and exit 2', async () => {
    expectOneLineFailure(
      await bulwark(['plan', 'attest', RUNBOOK, '--plan', 'missing.yaml'], env),
      /missing\.yaml/,
    );
    expectOneLineFailure(
      await bulwark(
        ['plan', 'attest', RUNBOOK, '--plan', 'bulwark.plan.yaml', '--valid-for', 'soon'],
        env,
      ),
      /not a duration/,
    );
  });

  it('signs a statement with a key it creates outside production', async () => {
    const run = await bulwark(
      [
        'plan',
        'attest',
        RUNBOOK,
        '--plan',
        'bulwark.plan.yaml',
        '--statement',
        'runbook reviewed',
        '--valid-for',
        '30d',
        '--format',
        'json',
      ],
      env,
    );
    expect(run.code).toBe(0);
    const { attestation } = JSON.parse(run.stdout);
    expect(attestation).toMatchObject({
      plan: 'payments',
      criterion: RUNBOOK,
      statement: 'runbook reviewed',
      attestedBy: 'attestation/v1',
    });
    const provider = await openKeyProvider(
      { provider: 'file', dir: '.bulwark/keys' },
      new MemoryAuditSink(),
    );
    try {
      const records = await readAttestations(
        '.bulwark/attestations',
        'payments',
        RUNBOOK,
        await keyringOf(provider),
        new Date(),
      );
      expect(records.map((r) => r.state)).toEqual(['valid']);
    } finally {
      await provider.close();
    }
    // The signature was recorded before it was made.
    expect(readFileSync('.bulwark/attestations/signatures.jsonl', 'utf8')).toContain(
      '"keyId":"attestation/v1"',
    );
  });
});

/** A signed bundle as `bulwark verify` would leave it: runbook passed, shutdown failed, restore manual. */
async function writeEvidence(): Promise<string> {
  const { plan } = await loadPlan('bulwark.plan.yaml', defaultRegistry());
  const verdicts = {
    [RUNBOOK]: ['pass', 'attested by attestation/v1'],
    [SHUTDOWN]: ['fail', 'api exited after 41200 ms (limit 30000 ms)'],
    [RESTORE]: ['manual', 'needs a signed attestation'],
  } as const;
  const criteria = plan.criteria.map((c) => ({
    id: c.id,
    text: c.text,
    planStatus: c.status,
    required: true,
    verdict: verdicts[c.id as keyof typeof verdicts][0],
    reason: verdicts[c.id as keyof typeof verdicts][1],
    checks: [],
  }));
  const bundle: EvidenceBundle = {
    format: 'bulwark.evidence/v1',
    id: '0b1c2d3e-0000-4000-8000-000000000001',
    plan: { name: 'payments', path: 'bulwark.plan.yaml', sha256: 'a'.repeat(64) },
    environment: 'local',
    startedAt: '2026-03-01T09:59:00.000Z',
    finishedAt: '2026-03-01T10:00:00.000Z',
    tool: { name: 'bulwark', version: '0.1.0', node: process.version },
    host: 'test',
    criteria,
    summary: {
      criteria: 3,
      byVerdict: { pass: 1, fail: 1, warn: 0, skip: 0, error: 0, manual: 1, waived: 0 },
      ok: false,
    },
  };
  const provider = await openKeyProvider(
    { provider: 'file', dir: '.bulwark/keys' },
    new MemoryAuditSink(),
  );
  try {
    const signer = await openOrCreateKey(provider, 'evidence', { create: true });
    const written = await writeBundle(
      { bundle, artifacts: new Map() },
      { root: '.bulwark/evidence', signer },
    );
    return written.dir;
  } finally {
    await provider.close();
  }
}

describe('bulwark plan status', () => {
  let bundleDir = '';

  it('without evidence, shows the plan and says how to get some', async () => {
    const run = await bulwark(['plan', 'status', 'bulwark.plan.yaml'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('payments: no evidence yet');
    expect(run.stdout).toMatch(
      /now\.publish-incident-runbook\s+todo\s+-\s+manual\s+SRE\s+runbook under docs\//,
    );
  });

  it('shows the newest bundle, and --write ticks the markdown from it and nothing else', async () => {
    bundleDir = await writeEvidence();
    const run = await bulwark(
      ['plan', 'status', 'bulwark.plan.yaml', '--write', '--format', 'json'],
      env,
    );
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout);
    expect(status.bundle.id).toBe('0b1c2d3e-0000-4000-8000-000000000001');
    expect(status.criteria.map((r: { verdict: string }) => r.verdict)).toEqual([
      'pass',
      'fail',
      'manual',
    ]);
    expect(status.written.changes).toHaveLength(2);
    const evidence = (verdict: string, reason: string) =>
      `  - Evidence: bulwark verify 0b1c2d3e-0000-4000-8000-000000000001 2026-03-01T10:00:00.000Z: ${verdict} (${reason})`;
    expect(readFileSync('PLAN.md', 'utf8')).toBe(
      [
        '# Payments hardening',
        '',
        '## Now',
        '',
        '- [x] Publish the incident runbook',
        '  - Owner: SRE',
        '  - Evidence: runbook under docs/',
        evidence('pass', 'attested by attestation/v1'),
        '- [~] Graceful shutdown completes within 30s',
        evidence('fail', 'api exited after 41200 ms (limit 30000 ms)'),
        '- [ ] Restore drill under 1 hour',
        '',
      ].join('\n'),
    );
  });

  it('--write refuses a bundle altered after signing, and writes nothing', async () => {
    const before = readFileSync('PLAN.md', 'utf8');
    const path = join(bundleDir, BUNDLE_FILE);
    writeFileSync(path, readFileSync(path, 'utf8').replace('api exited', 'api left'));
    expectOneLineFailure(
      await bulwark(['plan', 'status', 'bulwark.plan.yaml', '--write'], env),
      /does not verify .*; nothing written/,
    );
    expect(readFileSync('PLAN.md', 'utf8')).toBe(before);
  });

  it('an unknown environment or a corrupt --bundle is one line and exit 2', async () => {
    expectOneLineFailure(
      await bulwark(['plan', 'status', 'bulwark.plan.yaml', '--env', 'prod'], env),
      /unknown environment "prod"/,
    );
    writeFileSync('not-a-bundle.json', '{}');
    expectOneLineFailure(
      await bulwark(['plan', 'status', 'bulwark.plan.yaml', '--bundle', work], env),
      /bundle/,
    );
  });
});
