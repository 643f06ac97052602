import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sha256Hex } from '@bulwark/keys';
import type {
  ArtifactRecord,
  CheckRecord,
  CriterionRecord,
  CriterionVerdict,
  EvidenceBundle,
  PlanRun,
  WaiverRecord,
} from '../evidence/model.js';
import { BUNDLE_FORMAT } from '../evidence/model.js';
import { blockers, countVerdicts } from '../evidence/verdicts.js';
import type { LoadedPlan } from '../plan/load.js';
import type { Criterion, PlanService } from '../plan/schema.js';
import { waiversFor } from '../waivers/plan-waivers.js';
import type {
  AnyCheckPlugin,
  CheckContext,
  CheckOutcome,
  CheckStatus,
  SharedServices,
} from './check.js';
import type { CheckRegistry } from './registry.js';

/** The check a criterion with no checks falls back to: a person's signed attestation. */
export const MANUAL_CHECK = 'manual.attestation';

/** The command line named an environment or a criterion the plan does not have. */
export class PlanSelectionError extends Error {
  constructor(
    readonly code: 'BW_UNKNOWN_ENVIRONMENT' | 'BW_UNKNOWN_CRITERION',
    message: string,
  ) {
    super(message);
  }
}

export interface RunProgress {
  /** 1-based position of the criterion being run, and how many there are. */
  readonly index: number;
  readonly total: number;
  readonly criterion: string;
  readonly message: string;
}

export interface RunPlanOptions {
  readonly loaded: LoadedPlan;
  readonly environment: string;
  readonly registry: CheckRegistry;
  readonly shared: SharedServices;
  readonly timeoutMs: number;
  /** The tool's own version, recorded in the bundle. */
  readonly toolVersion: string;
  /** Only these criteria (by id); every criterion when omitted. */
  readonly only?: readonly string[];
  /** Aborting (Ctrl-C) stops the check in flight; the rest are recorded as skipped. */
  readonly signal?: AbortSignal;
  readonly progress?: (progress: RunProgress) => void;
  readonly now?: () => Date;
}

/**
 * plan → checks → one PlanRun: runs each criterion's checks in order (never in parallel, so one
 * check's load cannot skew another's latencies, and drills do not overlap), then decides each
 * criterion's verdict and applies the plan's waivers. Nothing a target does makes this throw;
 * only a plan that names an unknown environment or criterion does.
 */
export async function runPlan(options: RunPlanOptions): Promise<PlanRun> {
  const { loaded, environment: environmentName, registry } = options;
  const { plan } = loaded;
  const now = options.now ?? (() => new Date());
  const environment = plan.environments[environmentName];
  if (!environment) {
    const known = Object.keys(plan.environments);
    throw new PlanSelectionError(
      'BW_UNKNOWN_ENVIRONMENT',
      `unknown environment ${JSON.stringify(environmentName)}; the plan has ${known.length > 0 ? known.join(', ') : 'none'}`,
    );
  }
  const criteria = selectCriteria(plan.criteria, options.only);
  const signal = options.signal ?? new AbortController().signal;
  const artifacts = new Map<string, string | Uint8Array>();
  const startedAt = now();
  const records: CriterionRecord[] = [];

  for (const [i, criterion] of criteria.entries()) {
    const progress = (message: string) =>
      options.progress?.({
        index: i + 1,
        total: criteria.length,
        criterion: criterion.id,
        message,
      });
    const checks: CheckRecord[] = [];
    const bindings = criterion.checks?.length
      ? criterion.checks
      : [{ check: MANUAL_CHECK, with: {} }];
    for (const binding of bindings) {
      const plugin = registry.get(binding.check);
      const params = (binding.with ?? {}) as Record<string, unknown>;
      if (!plugin) {
        // The loader refuses unknown checks; this guards a registry swapped after loading.
        checks.push(
          notRun(
            binding.check,
            params,
            'error',
            `no check named ${binding.check} is registered`,
            now(),
          ),
        );
        continue;
      }
      for (const target of targetsOf(
        plugin,
        binding.services,
        environment.services,
        environmentName,
      )) {
        if ('skip' in target) {
          checks.push(notRun(plugin.id, params, 'skip', target.skip, now(), target.service));
          continue;
        }
        if (signal.aborted) {
          checks.push(
            notRun(plugin.id, params, 'skip', 'interrupted before it ran', now(), target.service),
          );
          continue;
        }
        progress(`${plugin.id}${target.service ? ` ${target.service.name}` : ''}`);
        const context: CheckContext = {
          plan,
          planDir: loaded.dir,
          environmentName,
          environment,
          criterion,
          service: target.service,
          timeoutMs: options.timeoutMs,
          signal,
          progress,
          now,
          shared: options.shared,
        };
        checks.push(await runOne(plugin, params, context, criterion.id, artifacts));
      }
    }
    records.push(decide(criterion, checks, plan, environmentName, now()));
  }

  const bundle: EvidenceBundle = {
    format: BUNDLE_FORMAT,
    id: randomUUID(),
    plan: { name: plan.name, path: loaded.path, sha256: loaded.sha256 },
    environment: environmentName,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    tool: { name: 'bulwark', version: options.toolVersion, node: process.version },
    host: hostname(),
    criteria: records,
    summary: summarize(records),
  };
  return { bundle, artifacts };
}

function selectCriteria(
  all: readonly Criterion[],
  only: readonly string[] | undefined,
): Criterion[] {
  if (!only) return [...all];
  const unknown = only.filter((id) => !all.some((c) => c.id === id));
  if (unknown.length > 0)
    throw new PlanSelectionError(
      'BW_UNKNOWN_CRITERION',
      `no criterion has id ${unknown.join(', ')}`,
    );
  return all.filter((c) => only.includes(c.id));
}

type Target = { service?: PlanService } | { skip: string; service?: PlanService };

function targetsOf(
  plugin: AnyCheckPlugin,
  named: readonly string[] | undefined,
  services: readonly PlanService[],
  environmentName: string,
): Target[] {
  if (plugin.scope === 'environment') return [{}];
  if (named) {
    return named.map((name) => {
      const service = services.find((s) => s.name === name);
      return service
        ? { service }
        : { skip: `environment ${environmentName} has no service ${name}` };
    });
  }
  const kinds = plugin.kinds ?? ['http'];
  const matching = services.filter((s) => kinds.includes(s.kind ?? 'http'));
  if (matching.length === 0) {
    return [
      { skip: `environment ${environmentName} has no service of kind ${kinds.join(' or ')}` },
    ];
  }
  return matching.map((service) => ({ service }));
}

async function runOne(
  plugin: AnyCheckPlugin,
  params: Record<string, unknown>,
  context: CheckContext,
  criterionId: string,
  artifacts: Map<string, string | Uint8Array>,
): Promise<CheckRecord> {
  const started = context.now();
  const t0 = performance.now();
  let outcome: CheckOutcome;
  try {
    outcome = await plugin.run(params, context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    outcome = {
      status: 'error',
      summary: `the check itself failed: ${firstLine(message)}`,
      reason: firstLine(message),
    };
  }
  const durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
  const folder = `artifacts/${safeName(criterionId)}/${safeName(plugin.id)}${context.service ? `-${safeName(context.service.name)}` : ''}`;
  const records: ArtifactRecord[] = [];
  for (const artifact of outcome.artifacts ?? []) {
    let path = `${folder}/${safeName(artifact.name)}`;
    for (let n = 2; artifacts.has(path); n++) path = `${folder}/${n}-${safeName(artifact.name)}`;
    artifacts.set(path, artifact.content);
    records.push({
      path,
      mediaType: artifact.mediaType,
      bytes:
        typeof artifact.content === 'string'
          ? Buffer.byteLength(artifact.content)
          : artifact.content.byteLength,
      sha256: sha256Hex(artifact.content),
    });
  }
  const status = outcome.status;
  const reason =
    outcome.reason ?? (status === 'skip' || status === 'error' ? outcome.summary : undefined);
  return {
    check: plugin.id,
    ...(context.service ? { service: context.service.name, url: context.service.url } : {}),
    params,
    status,
    summary: outcome.summary,
    ...(reason !== undefined ? { reason } : {}),
    measurements: outcome.measurements ?? {},
    samples: outcome.samples ?? [],
    artifacts: records,
    ...(outcome.targetVersion ? { targetVersion: outcome.targetVersion } : {}),
    startedAt: started.toISOString(),
    durationMs,
  };
}

function notRun(
  check: string,
  params: Record<string, unknown>,
  status: Extract<CheckStatus, 'skip' | 'error'>,
  reason: string,
  at: Date,
  service?: PlanService,
): CheckRecord {
  return {
    check,
    ...(service ? { service: service.name, url: service.url } : {}),
    params,
    status,
    summary: reason,
    reason,
    measurements: {},
    samples: [],
    artifacts: [],
    startedAt: at.toISOString(),
    durationMs: 0,
  };
}

/** Worst first: one failing check fails the criterion; a skip is never a pass. */
const SEVERITY: readonly CheckStatus[] = ['fail', 'error', 'skip', 'warn', 'pass'];

function decide(
  criterion: Criterion,
  checks: readonly CheckRecord[],
  plan: LoadedPlan['plan'],
  environment: string,
  now: Date,
): CriterionRecord {
  const worst = SEVERITY.find((status) => checks.some((c) => c.status === status)) ?? 'skip';
  const culprit = checks.find((c) => c.status === worst);
  const manualOnly = !criterion.checks?.length;
  let verdict: CriterionVerdict = worst;
  let reason =
    worst === 'pass'
      ? `${checks.length} check${checks.length === 1 ? '' : 's'} passed`
      : `${culprit?.check}${culprit?.service ? ` on ${culprit.service}` : ''}: ${culprit?.reason ?? culprit?.summary}`;
  if (manualOnly && worst !== 'pass' && worst !== 'error') {
    verdict = 'manual';
    reason = `needs a signed attestation (bulwark plan attest ${criterion.id}): ${culprit?.summary ?? 'none found'}`;
  }
  let waiver: WaiverRecord | undefined;
  if (verdict !== 'pass' && verdict !== 'warn') {
    const { active, expired } = waiversFor(plan, criterion.id, environment, now);
    if (active) {
      waiver = {
        owner: active.owner,
        approver: active.approver,
        reason: active.reason,
        risk: active.risk,
        expires: active.expires,
      };
      reason = `waived until ${active.expires} (${active.risk} risk, approved by ${active.approver}); was ${verdict}: ${reason}`;
      verdict = 'waived';
    } else if (expired.length > 0) {
      reason = `${reason}; the waiver expired on ${expired.map((w) => w.expires).join(', ')}`;
    }
  }
  return {
    id: criterion.id,
    text: criterion.text,
    ...(criterion.section ? { section: criterion.section } : {}),
    ...(criterion.owner ? { owner: criterion.owner } : {}),
    planStatus: criterion.status,
    required: criterion.required !== false,
    verdict,
    reason,
    checks,
    ...(waiver ? { waiver } : {}),
  };
}

function summarize(records: readonly CriterionRecord[]): EvidenceBundle['summary'] {
  return {
    criteria: records.length,
    byVerdict: countVerdicts(records),
    ok: blockers({ criteria: records }).length === 0,
  };
}

function safeName(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '_')
      .slice(0, 100) || '_'
  );
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}
