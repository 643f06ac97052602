import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KeyProvider,
  keyringOf,
  MemoryAuditSink,
  openFileKeyProvider,
  type PublicKeyring,
  type Signer,
  sha256Hex,
} from '@bulwark/keys';
import type {
  CheckRecord,
  CriterionRecord,
  CriterionVerdict,
  EvidenceBundle,
  PlanRun,
} from '../src/evidence/model.js';
import type { Plan, PlanWaiver } from '../src/plan/schema.js';

/**
 * Hand-made plans, runs and keys for evidence and gate tests: bundles are written by the real
 * writer and signed by a real file key provider, so every test reads what production writes.
 */

const created: string[] = [];
process.on('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'bw-evidence-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export interface TestKeys {
  readonly provider: KeyProvider;
  readonly signer: Signer;
  readonly keyring: PublicKeyring;
  readonly audit: MemoryAuditSink;
  readonly dir: string;
}

/** A file keystore in a temporary directory holding one key, `name/v1`. */
export async function testKeys(name = 'evidence'): Promise<TestKeys> {
  const dir = join(tempDir('bw-keys-'), 'keys');
  const audit = new MemoryAuditSink();
  const provider = await openFileKeyProvider({ dir, audit });
  await provider.create(name);
  const signer = await provider.open(name);
  return { provider, signer, keyring: await keyringOf(provider), audit, dir };
}

export const PLAN_NAME = 'reference';

/** Three required criteria (two checked, one manual), one optional, and a dev → staging gate. */
export function testPlan(overrides: { waivers?: PlanWaiver[]; gates?: Plan['gates'] } = {}): Plan {
  return {
    format: 'bulwark.plan/v1',
    name: PLAN_NAME,
    environments: {
      dev: { services: [{ name: 'core-api', url: 'http://127.0.0.1:8080', kind: 'http' }] },
      staging: { services: [{ name: 'core-api', url: 'http://10.0.0.1:8080', kind: 'http' }] },
    },
    criteria: [
      {
        id: 'probe-latency',
        text: 'All HTTP services respond to /ready and /live within <200ms',
        status: 'doing',
        checks: [{ check: 'probe.latency', with: { p95Ms: 200 } }],
      },
      {
        id: 'metrics',
        text: 'Every service exports the contract metric families',
        status: 'done',
        checks: [{ check: 'metrics.contract' }],
      },
      {
        id: 'runbook',
        text: 'The on-call runbook is reviewed',
        status: 'todo',
      },
      {
        id: 'nice-to-have',
        text: 'Dashboards have descriptions',
        status: 'todo',
        required: false,
        checks: [{ check: 'metrics.contract' }],
      },
    ],
    ...(overrides.waivers ? { waivers: overrides.waivers } : {}),
    gates: overrides.gates ?? {
      staging: { from: 'dev', require: 'all', maxEvidenceAge: '24h' },
    },
  };
}

export const SAMPLES_PATH = 'artifacts/probe-latency/probe.latency/samples.json';
const SAMPLES = `${JSON.stringify({ samples: [3.1, 2.7, 4.2] })}\n`;

export interface RunSpec {
  readonly plan?: Plan;
  readonly environment?: string;
  readonly finishedAt?: string;
  /** Verdicts by criterion id; pass for any not named. */
  readonly verdicts?: Record<string, CriterionVerdict>;
  /** Leave these criteria out of the bundle, as if they never ran. */
  readonly omit?: readonly string[];
  readonly id?: string;
}

const CHECK_STATUS: Record<CriterionVerdict, CheckRecord['status']> = {
  pass: 'pass',
  warn: 'warn',
  fail: 'fail',
  error: 'error',
  skip: 'skip',
  manual: 'skip',
  waived: 'fail',
};

/** A PlanRun as the runner would hand it over: every plan criterion judged, one artifact. */
export function testRun(spec: RunSpec = {}): PlanRun {
  const plan = spec.plan ?? testPlan();
  const finishedAt = spec.finishedAt ?? '2026-06-01T12:00:00.000Z';
  const startedAt = new Date(Date.parse(finishedAt) - 5_000).toISOString();
  const artifacts = new Map<string, string>();
  const criteria: CriterionRecord[] = plan.criteria
    .filter((c) => !spec.omit?.includes(c.id))
    .map((criterion) => {
      const verdict = spec.verdicts?.[criterion.id] ?? 'pass';
      const status = CHECK_STATUS[verdict];
      const bindings = criterion.checks ?? [{ check: 'manual.attestation' }];
      const checks: CheckRecord[] =
        verdict === 'manual'
          ? []
          : bindings.map((binding) => {
              const record: CheckRecord = {
                check: binding.check,
                params: {
                  ...(binding.check === 'probe.latency' ? { samples: 20 } : {}),
                  ...binding.with,
                },
                status,
                summary: `${binding.check} ${status}`,
                ...(status === 'skip' || status === 'error'
                  ? { reason: 'the service has no control' }
                  : {}),
                measurements: { p95Ms: 4.2 },
                samples: [{ name: '/ready', unit: 'ms', values: [3.1, 2.7, 4.2] }],
                artifacts:
                  binding.check === 'probe.latency'
                    ? [
                        {
                          path: SAMPLES_PATH,
                          mediaType: 'application/json',
                          bytes: Buffer.byteLength(SAMPLES),
                          sha256: sha256Hex(SAMPLES),
                        },
                      ]
                    : [],
                startedAt,
                durationMs: 12,
              };
              if (binding.check === 'probe.latency') artifacts.set(SAMPLES_PATH, SAMPLES);
              return record;
            });
      return {
        id: criterion.id,
        text: criterion.text,
        planStatus: criterion.status,
        required: criterion.required !== false,
        verdict,
        reason: verdict === 'pass' ? 'all checks passed' : `${verdict} by the test`,
        checks,
      };
    });
  const byVerdict = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, manual: 0, waived: 0 };
  for (const c of criteria) byVerdict[c.verdict] += 1;
  const bundle: EvidenceBundle = {
    format: 'bulwark.evidence/v1',
    id: spec.id ?? `b${Math.random().toString(36).slice(2, 14)}`,
    plan: { name: plan.name, path: '/repo/bulwark.plan.yaml', sha256: sha256Hex('plan text') },
    environment: spec.environment ?? 'dev',
    startedAt,
    finishedAt,
    tool: { name: 'bulwark', version: '0.1.0', node: process.version },
    host: 'test-host',
    criteria,
    summary: {
      criteria: criteria.length,
      byVerdict,
      ok: criteria.every((c) => !c.required || c.verdict === 'pass' || c.verdict === 'waived'),
    },
  };
  return { bundle, artifacts };
}

/** One hour after the default run finished: inside the test plan's 24h gate. */
export const ONE_HOUR_LATER = new Date('2026-06-01T13:00:00.000Z');

/** A bundle of `spec` written under a fresh evidence root, with the keys that signed it. */
export async function writtenBundle(
  spec: RunSpec = {},
  keys?: TestKeys,
): Promise<{ root: string; dir: string; keys: TestKeys; plan: Plan }> {
  const { writeBundle } = await import('../src/evidence/write.js');
  const signing = keys ?? (await testKeys());
  const root = tempDir();
  const { dir } = await writeBundle(testRun(spec), { root, signer: signing.signer });
  return { root, dir, keys: signing, plan: spec.plan ?? testPlan() };
}
