import { isAbsolute, relative, resolve } from 'node:path';
import type { Verifier } from '@bulwark/keys';
import {
  BundleError,
  decideGate,
  defaultRegistry,
  type GateBlocker,
  type GateDecision,
  type LoadedPlan,
  loadPlan,
  PlanError,
} from '@bulwark/verify';
import { ReleaseError } from '../errors.js';
import { type ReleaseCheckResult, type ReleaseFinding, statusOf } from '../model.js';

export interface EvidenceGateOptions {
  /** The repository (absolute); relative paths resolve against it and findings are shown relative to it. */
  readonly root: string;
  readonly planFile: string;
  /** The plan's gate (a key of `plan.gates`) a release must pass: the environment released to. */
  readonly gate: string;
  /** The evidence root (`.bulwark/evidence`); the newest bundle of the gate's source environment decides. */
  readonly evidenceDir: string;
  /** The keys evidence must be signed with. */
  readonly keyring: Verifier;
  readonly now: Date;
}

/**
 * Check `evidence`: the release goes only where `bulwark gate` would promote, decided by the
 * same function on the same plan. Each blocker (no evidence, no such gate, a bad signature,
 * stale evidence, a failing criterion...) is a finding carrying the decision's own message; a
 * criterion that passes only through a waiver or with a warning is listed as a warning. A plan
 * that cannot be loaded is a ReleaseError (BW_RELEASE_CONFIG); a corrupt bundle is a finding.
 */
/**
 * The plan's promotion decision for `gate`, as `bulwark gate` makes it: what the evidence check
 * judges and what `release sign` takes its evidence bundle from. A plan that cannot be loaded is
 * a ReleaseError (BW_RELEASE_CONFIG); a corrupt bundle throws BundleError.
 */
export async function decideReleaseGate(options: EvidenceGateOptions): Promise<GateDecision> {
  const loaded = await loadReleasePlan(resolve(options.root, options.planFile));
  return decideGate({
    plan: loaded.plan,
    gateName: options.gate,
    evidenceRoot: resolve(options.root, options.evidenceDir),
    keyring: options.keyring,
    now: options.now,
  });
}

export async function checkEvidenceGate(options: EvidenceGateOptions): Promise<ReleaseCheckResult> {
  const { root, gate } = options;
  let decision: GateDecision;
  try {
    decision = await decideReleaseGate(options);
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    const findings: ReleaseFinding[] = [
      {
        id: 'corrupt-bundle',
        message: `the newest evidence bundle is unreadable: ${error.message}`,
      },
    ];
    return {
      check: 'evidence',
      status: 'fail',
      summary: `gate ${gate}: unreadable evidence`,
      findings,
    };
  }

  const shown = (path: string) => shownPath(root, path);
  const where = decision.bundle ? shown(decision.bundle.dir) : undefined;
  const findings: ReleaseFinding[] = decision.blockers.map((blocker) =>
    blockerFinding(blocker, where),
  );
  for (const satisfied of decision.satisfied) {
    if (satisfied.verdict === 'pass' && satisfied.via === 'evidence') continue;
    findings.push({
      id: `${satisfied.verdict}:${satisfied.criterion}`,
      message: `${satisfied.criterion} passes via ${satisfied.via === 'evidence' ? `evidence with verdict ${satisfied.verdict}` : satisfied.via}`,
      ...(where ? { location: where } : {}),
      warning: true,
    });
  }
  return {
    check: 'evidence',
    status: statusOf(findings),
    summary: summarize(decision, where),
    findings,
  };
}

async function loadReleasePlan(path: string): Promise<LoadedPlan> {
  try {
    return await loadPlan(path, defaultRegistry());
  } catch (error) {
    if (error instanceof PlanError) throw new ReleaseError('BW_RELEASE_CONFIG', error.message);
    throw error;
  }
}

function blockerFinding(blocker: GateBlocker, bundle: string | undefined): ReleaseFinding {
  return {
    id: blocker.criterion ? `${blocker.code}:${blocker.criterion}` : blocker.code,
    message: `${blocker.code}: ${blocker.criterion ? `${blocker.criterion}: ` : ''}${blocker.message}`,
    ...(bundle ? { location: bundle } : {}),
  };
}

function summarize(decision: GateDecision, bundle: string | undefined): string {
  const route = decision.from ? `${decision.from} → ${decision.gate}` : decision.gate;
  const evidence = bundle ? ` (bundle ${bundle})` : '';
  if (decision.ok) {
    const n = decision.required.length;
    return `gate ${route}: go, ${n} required criteri${n === 1 ? 'on passes' : 'a pass'}${evidence}`;
  }
  const n = decision.blockers.length;
  return `gate ${route}: blocked by ${n} blocker${n === 1 ? '' : 's'}${evidence}`;
}

/** Relative to the repository when inside it, else as given. */
function shownPath(root: string, path: string): string {
  const inside = relative(root, path);
  return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}
