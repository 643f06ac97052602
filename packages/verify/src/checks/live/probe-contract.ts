import { ENDPOINTS } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { ArtifactInput, CheckPlugin, Measurements } from '../check.js';
import { aborted } from '../outcomes.js';
import { jsonObjectOf } from './answer.js';
import { bodyArtifact, latencySeries } from './evidence.js';
import type { Answer } from './http.js';
import {
  type ProbeCheckResult,
  runReachableCheck,
  runSampledCheck,
  SAMPLED_CHECKS,
} from './probe-checks.js';
import { serviceTarget, versionIn } from './service-target.js';

export const ProbeContractParams = Type.Object(
  { samples: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }) },
  { additionalProperties: false },
);
export type ProbeContractParamsValue = Static<typeof ProbeContractParams>;

/**
 * The probe endpoints answer as the kit contract says (the same judgement `bulwark probe`
 * makes), and readiness has substance: a /ready that checks no dependency is always 200 and
 * tells a load balancer nothing. The kit's /ready body does not list its checks; its /health
 * document does (`components`, with `critical` on those that fail /ready), so that is where the
 * check looks.
 */
export const probeContractCheck: CheckPlugin<ProbeContractParamsValue> = {
  id: 'probe.contract',
  description:
    '/live, /startup, /ready and /health answer per the kit contract, and /ready checks something',
  params: ProbeContractParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('probe.contract', ctx);
    ctx.progress('reachable');
    const reach = await runReachableCheck(target.client, target.base, target.signal);
    if (ctx.signal.aborted) return aborted();
    if (!reach.result.ok) {
      return { status: 'fail', summary: `unreachable: ${reach.result.detail}` };
    }

    const durations = new Map<string, number[]>();
    const last = new Map<string, Answer>();
    const results: ProbeCheckResult[] = [];
    for (const check of SAMPLED_CHECKS) {
      results.push(
        await runSampledCheck(
          {
            client: target.client,
            base: target.base,
            samples: params.samples,
            families: [],
            progress: ctx.progress,
            signal: target.signal,
            observe: (path, answer) => {
              durations.set(path, [...(durations.get(path) ?? []), answer.ms]);
              last.set(path, answer);
            },
          },
          check,
        ),
      );
      if (ctx.signal.aborted) return aborted();
    }

    const health = last.get(ENDPOINTS.health);
    const readiness = health ? readinessChecksIn(health.body) : { critical: [], other: [] };
    const evidence = {
      measurements: measurementsOf(results, readiness),
      samples: SAMPLED_CHECKS.map((c) => latencySeries(c.path, durations.get(c.path) ?? [])),
      artifacts: artifactsOf(last),
      ...versionOf(health),
    };
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      return { status: 'fail', summary: failed.map((r) => r.detail).join('; '), ...evidence };
    }
    if (readiness.critical.length === 0) {
      return { status: 'fail', summary: readinessNothing(readiness.other), ...evidence };
    }
    return {
      status: 'pass',
      summary:
        `/live, /startup, /ready and /health answer per the contract (${params.samples} ` +
        `sample${params.samples === 1 ? '' : 's'} each); /ready checks ${readiness.critical.join(', ')}`,
      ...evidence,
    };
  },
};

interface ReadinessChecks {
  /** Components that fail /ready when they fail. */
  readonly critical: readonly string[];
  /** Components shown in /health only. */
  readonly other: readonly string[];
}

/**
 * The health document's components. One without a `critical` field (a service not built on the
 * kit) counts as a readiness check: the field is the kit's, and its absence says nothing.
 */
export function readinessChecksIn(healthBody: string): ReadinessChecks {
  const components = jsonObjectOf(healthBody)?.components;
  const list = Array.isArray(components)
    ? components.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    : [];
  const name = (c: Record<string, unknown>) => String(c.name ?? '(unnamed)').slice(0, 100);
  return {
    critical: list.filter((c) => c.critical !== false).map(name),
    other: list.filter((c) => c.critical === false).map(name),
  };
}

function readinessNothing(other: readonly string[]): string {
  return other.length === 0
    ? '/ready checks nothing: /health lists no dependency checks, so /ready answers 200 whatever state the dependencies are in'
    : `/ready checks nothing: /health lists only non-critical checks (${other.join(', ')}), which never fail /ready`;
}

function measurementsOf(
  results: readonly ProbeCheckResult[],
  readiness: ReadinessChecks,
): Measurements {
  const figures: Record<string, Measurements[string]> = {
    readinessChecks: readiness.critical,
    nonCriticalChecks: readiness.other,
  };
  for (const result of results) {
    for (const [key, value] of Object.entries(result.measurements)) {
      figures[`${result.id}.${key}`] = value;
    }
  }
  return figures;
}

function artifactsOf(last: ReadonlyMap<string, Answer>): ArtifactInput[] {
  const kept: ArtifactInput[] = [];
  const ready = last.get(ENDPOINTS.ready);
  const health = last.get(ENDPOINTS.health);
  if (ready) kept.push(bodyArtifact('ready.json', ready));
  if (health) kept.push(bodyArtifact('health.json', health));
  return kept;
}

function versionOf(health: Answer | undefined): { targetVersion?: string } {
  const version = health ? versionIn(health.body) : undefined;
  return version === undefined ? {} : { targetVersion: version };
}
