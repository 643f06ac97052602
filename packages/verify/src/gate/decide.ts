import type { Verifier } from '@bulwark/keys';
import { verifyPayload } from '@bulwark/keys';
import { checkArtifacts } from '../evidence/artifact-check.js';
import { BUNDLE_PAYLOAD_TYPE, type CriterionRecord } from '../evidence/model.js';
import { findBundles, type LoadedBundle, readBundle, readSignature } from '../evidence/read.js';
import { durationMs, formatDuration } from '../plan/duration.js';
import type { Plan } from '../plan/schema.js';
import { judgeCriterion, requiredCriteria } from './criteria.js';
import type { GateBlocker, GateDecision, GateSatisfied } from './decision.js';
import { staleDrillBlockers } from './stale-drills.js';

/** Where `bulwark verify` writes bundles unless told otherwise. */
export const DEFAULT_EVIDENCE_ROOT = '.bulwark/evidence';

/** Clocks differ; evidence dated further ahead than this is not trusted to be fresh. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface DecideGateOptions {
  readonly plan: Plan;
  /** The environment promoted to: the key of `plan.gates`. */
  readonly gateName: string;
  /** This bundle; otherwise the newest bundle of the gate's `from` under evidenceRoot. */
  readonly bundleDir?: string;
  readonly evidenceRoot?: string;
  readonly keyring: Verifier;
  readonly now: Date;
}

/**
 * Go or no-go for one promotion. Go only when the newest evidence of the gate's source
 * environment is signed by a trusted key, unaltered, of this plan and environment, younger than
 * the gate's maximum age, and every required criterion passed in it (or is covered by a waiver
 * the plan holds now). The newest bundle decides even when it is bad: falling back to an older
 * one would let a tampered or failing run hide behind an earlier good one.
 *
 * Blockers are collected rather than stopping at the first, so one run lists everything to fix;
 * once the signature fails, nothing in bundle.json is trusted, so criteria are not read. A
 * corrupt bundle (unparseable or missing files) throws BundleError.
 */
export async function decideGate(options: DecideGateOptions): Promise<GateDecision> {
  const { plan, gateName, now } = options;
  const gate = plan.gates?.[gateName];
  if (!gate) {
    const known = Object.keys(plan.gates ?? {});
    return {
      ok: false,
      gate: gateName,
      required: [],
      blockers: [
        {
          code: 'no-gate',
          message: `plan ${plan.name} has no gate ${gateName}${known.length > 0 ? ` (it has: ${known.join(', ')})` : ' (it defines no gates)'}`,
        },
      ],
      satisfied: [],
    };
  }
  const required = requiredCriteria(plan, gate);
  const base = { gate: gateName, from: gate.from, maxEvidenceAge: gate.maxEvidenceAge, required };
  const blocked = (blockers: GateBlocker[], extra: Partial<GateDecision> = {}): GateDecision => ({
    ok: false,
    ...base,
    ...extra,
    blockers,
    satisfied: [],
  });

  const root = options.evidenceRoot ?? DEFAULT_EVIDENCE_ROOT;
  const dirs = options.bundleDir ? [options.bundleDir] : await findBundles(root, gate.from);
  const [dir] = dirs;
  if (!dir) {
    return blocked([
      {
        code: 'no-evidence',
        message: `no evidence bundle for ${gate.from} under ${root}: run bulwark verify --env ${gate.from} first`,
      },
    ]);
  }

  const newest = await checkBundle(dir, plan, gate, gateName, options.keyring, now);
  if (!newest.trusted) return blocked(newest.blockers, { bundle: newest.info });
  const blockers: GateBlocker[] = [...newest.blockers];
  const satisfied: GateSatisfied[] = [];
  // Evidence of another environment or plan says nothing about these criteria.
  if (newest.ofThisGate) {
    // Each required criterion is judged on the newest bundle that ran it: a partial run
    // (`bulwark drill kill`, `verify --only`) adds evidence for its criteria without hiding the
    // rest. Every bundle used is checked as the newest is (signature, digests, environment,
    // plan, age), and the newest bundle is always checked, so a tampered or failing newer run
    // still blocks rather than letting an older good one speak for it.
    const checked = new Map<string, CheckedBundle>([[dir, newest]]);
    const used = new Map<CheckedBundle, string[]>();
    for (const id of required) {
      let source = newest;
      if (!newest.loaded.bundle.criteria.some((c) => c.id === id)) {
        for (const older of dirs.slice(1)) {
          const candidate =
            checked.get(older) ??
            (await checkBundle(older, plan, gate, gateName, options.keyring, now));
          checked.set(older, candidate);
          // A bundle that cannot be verified stops the search: skipping it would let an older
          // run speak for a criterion a newer (altered) one may have failed.
          if (!candidate.trusted) {
            source = candidate;
            break;
          }
          if (candidate.ofThisGate && candidate.loaded.bundle.criteria.some((c) => c.id === id)) {
            source = candidate;
            break;
          }
        }
      }
      used.set(source, [...(used.get(source) ?? []), id]);
    }
    for (const [source, ids] of used) {
      if (!source.trusted) {
        for (const b of source.blockers) {
          blockers.push(
            ...ids.map((criterion) => ({
              ...b,
              criterion,
              message: `${b.message} (bundle ${source.info.dir}, older than the newest, would speak for ${criterion})`,
            })),
          );
        }
        continue;
      }
      if (source !== newest) {
        // An older bundle's own problems (stale, altered) block the criteria it speaks for.
        for (const b of source.blockers) {
          blockers.push(
            ...ids.map((criterion) => ({
              ...b,
              criterion,
              message: `${b.message} (evidence of ${criterion}: bundle ${source.loaded.bundle.id})`,
            })),
          );
        }
      }
      const records = new Map<string, CriterionRecord>(
        source.loaded.bundle.criteria.map((c) => [c.id, c]),
      );
      const judged: GateSatisfied[] = [];
      for (const id of ids) {
        const result = judgeCriterion(plan, id, records.get(id), gate.from, now);
        if ('code' in result) blockers.push(result);
        else
          judged.push(source === newest ? result : { ...result, bundle: source.loaded.bundle.id });
      }
      const staleDrills = await staleDrillBlockers({
        plan,
        bundle: source.loaded.bundle,
        bundleDir: source.info.dir,
        required: ids,
        ...(options.bundleDir ? {} : { lookBackRoot: root }),
        now,
      });
      blockers.push(...staleDrills);
      // A criterion whose drill is stale is not satisfied, whatever its verdict was.
      const stale = new Set(staleDrills.map((b) => b.criterion));
      satisfied.push(...judged.filter((s) => !stale.has(s.criterion)));
    }
  }
  const bundleInfo = newest.info;
  return { ok: blockers.length === 0, ...base, bundle: bundleInfo, blockers, satisfied };
}

interface CheckedBundle {
  readonly loaded: LoadedBundle;
  readonly info: NonNullable<GateDecision['bundle']>;
  /** The signature holds: bundle.json may be read. */
  readonly trusted: boolean;
  /** Of the gate's source environment and of this plan. */
  readonly ofThisGate: boolean;
  /** What is wrong with the bundle as a whole: signature, digests, age, environment, plan. */
  readonly blockers: GateBlocker[];
}

/** Everything about one bundle that does not depend on a criterion. */
async function checkBundle(
  dir: string,
  plan: Plan,
  gate: NonNullable<Plan['gates']>[string],
  gateName: string,
  keyring: Verifier,
  now: Date,
): Promise<CheckedBundle> {
  // One read of bundle.json: the bytes whose signature is checked are the bytes judged.
  const loaded = await readBundle(dir);
  const envelope = await readSignature(dir);
  const { bundle } = loaded;
  const finishedMs = Date.parse(bundle.finishedAt);
  const ageMs = now.getTime() - finishedMs;
  const signature = verifyPayload(envelope, loaded.bytes, BUNDLE_PAYLOAD_TYPE, keyring);
  const info = {
    dir,
    id: bundle.id,
    finishedAt: bundle.finishedAt,
    ageMs,
    ...(signature.ok ? { signedBy: signature.keyId } : {}),
  };
  if (!signature.ok) {
    const code =
      signature.code === 'unknown-key'
        ? 'unknown-key'
        : signature.code === 'digest-mismatch'
          ? 'altered'
          : 'bad-signature';
    return {
      loaded,
      info,
      trusted: false,
      ofThisGate: false,
      blockers: [{ code, message: `bundle.json: ${signature.message}` }],
    };
  }
  const blockers: GateBlocker[] = [];
  for (const artifact of await checkArtifacts(dir, bundle)) {
    if (!artifact.ok)
      blockers.push({ code: 'altered', message: `${artifact.path}: ${artifact.problem}` });
  }
  const maxMs = durationMs(gate.maxEvidenceAge);
  if (Number.isNaN(finishedMs)) {
    blockers.push({
      code: 'stale',
      message: `the bundle's finishedAt ${bundle.finishedAt} is not a time`,
    });
  } else if (ageMs > maxMs) {
    blockers.push({
      code: 'stale',
      message: `the evidence is ${formatDuration(ageMs)} old; gate ${gateName} accepts at most ${gate.maxEvidenceAge}: run bulwark verify --env ${gate.from} again`,
    });
  } else if (ageMs < -FUTURE_TOLERANCE_MS) {
    blockers.push({
      code: 'stale',
      message: `the evidence is dated ${formatDuration(-ageMs)} in the future (finishedAt ${bundle.finishedAt}): check the clocks`,
    });
  }
  if (bundle.environment !== gate.from) {
    blockers.push({
      code: 'wrong-environment',
      message: `the evidence is from ${bundle.environment}; gate ${gateName} promotes from ${gate.from}`,
    });
  }
  if (bundle.plan.name !== plan.name) {
    blockers.push({
      code: 'wrong-plan',
      message: `the evidence is of plan ${JSON.stringify(bundle.plan.name)}, not ${JSON.stringify(plan.name)}`,
    });
  }
  const ofThisGate = bundle.environment === gate.from && bundle.plan.name === plan.name;
  return { loaded, info, trusted: true, ofThisGate, blockers };
}
