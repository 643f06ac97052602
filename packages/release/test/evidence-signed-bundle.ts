import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  keyringOf,
  MemoryAuditSink,
  openFileKeyProvider,
  type PublicKeyring,
  type Signer,
  sha256Hex,
} from '@bulwark/keys';
import {
  type CriterionRecord,
  type CriterionVerdict,
  defaultRegistry,
  type EvidenceBundle,
  loadPlan,
  type Plan,
  writeBundle,
} from '@bulwark/verify';
import { tempDir } from './tree-temp-repo.js';

/**
 * A plan on disk and evidence bundles written by @bulwark/verify's own writer, signed by a real
 * file key provider: the minimum of verify's test fixtures (evidence-fixtures.ts), rebuilt on the
 * packages' public APIs.
 */
export const PLAN_YAML = `format: bulwark.plan/v1
name: release-test
environments:
  staging:
    services:
      - name: core-api
        url: http://10.0.0.1:8080
        kind: http
  production:
    services:
      - name: core-api
        url: http://10.0.0.2:8080
        kind: http
criteria:
  - id: metrics
    text: Every service exports the contract metric families
    status: done
    checks:
      - check: metrics.contract
  - id: runbook
    text: The on-call runbook is reviewed
    status: done
gates:
  production: { from: staging, require: all, maxEvidenceAge: 24h }
`;

/** When the test bundles finished; the gate is asked an hour later, inside its 24h. */
export const FINISHED_AT = '2026-06-01T12:00:00.000Z';
export const ONE_HOUR_LATER = new Date('2026-06-01T13:00:00.000Z');

export interface EvidenceRepo {
  /** Stands in for the repository: the plan at its root, evidence under .bulwark/evidence. */
  readonly root: string;
  readonly planFile: string;
  readonly evidenceDir: string;
  readonly plan: Plan;
  readonly signer: Signer;
  readonly keyring: PublicKeyring;
}

export async function evidenceRepo(): Promise<EvidenceRepo> {
  const root = tempDir('bw-release-evidence-');
  const planFile = join(root, 'bulwark.plan.yaml');
  writeFileSync(planFile, PLAN_YAML);
  const { plan } = await loadPlan(planFile, defaultRegistry());
  const { signer, keyring } = await fileKey(join(root, '.keys'), 'evidence');
  return { root, planFile, evidenceDir: join(root, '.bulwark', 'evidence'), plan, signer, keyring };
}

/** A key `name/v1` in a file keystore (the development provider). */
export async function fileKey(
  dir: string,
  name: string,
): Promise<{ signer: Signer; keyring: PublicKeyring }> {
  const provider = await openFileKeyProvider({ dir, audit: new MemoryAuditSink() });
  await provider.create(name);
  return { signer: await provider.open(name), keyring: await keyringOf(provider) };
}

/** Writes a signed staging bundle in which every criterion has `verdict` unless `verdicts` says otherwise. */
export async function writeEvidence(
  repo: EvidenceRepo,
  verdicts: Record<string, CriterionVerdict> = {},
  signer: Signer = repo.signer,
): Promise<string> {
  const startedAt = new Date(Date.parse(FINISHED_AT) - 5_000).toISOString();
  const criteria: CriterionRecord[] = repo.plan.criteria.map((criterion) => {
    const verdict = verdicts[criterion.id] ?? 'pass';
    const status = verdict === 'pass' || verdict === 'warn' ? verdict : 'fail';
    const bindings = criterion.checks ?? [{ check: 'manual.attestation' }];
    return {
      id: criterion.id,
      text: criterion.text,
      planStatus: criterion.status,
      required: criterion.required !== false,
      verdict,
      reason: verdict === 'pass' ? 'all checks passed' : `${verdict} by the test`,
      checks: bindings.map((binding) => ({
        check: binding.check,
        params: { ...binding.with },
        status,
        summary: `${binding.check} ${status}`,
        measurements: {},
        samples: [],
        artifacts: [],
        startedAt,
        durationMs: 12,
      })),
    };
  });
  const byVerdict = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, manual: 0, waived: 0 };
  for (const criterion of criteria) byVerdict[criterion.verdict] += 1;
  const bundle: EvidenceBundle = {
    format: 'bulwark.evidence/v1',
    id: `b${Math.random().toString(36).slice(2, 14)}`,
    plan: { name: repo.plan.name, path: repo.planFile, sha256: sha256Hex(PLAN_YAML) },
    environment: 'staging',
    startedAt,
    finishedAt: FINISHED_AT,
    tool: { name: 'bulwark', version: '0.1.0', node: process.version },
    host: 'release-test',
    criteria,
    summary: {
      criteria: criteria.length,
      byVerdict,
      ok: criteria.every((c) => c.verdict === 'pass' || c.verdict === 'warn'),
    },
  };
  const { dir } = await writeBundle(
    { bundle, artifacts: new Map() },
    { root: repo.evidenceDir, signer },
  );
  return dir;
}
