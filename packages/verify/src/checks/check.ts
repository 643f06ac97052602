import type { Verifier } from '@bulwark/keys';
import type { TSchema } from '@sinclair/typebox';
import type { Criterion, Plan, PlanEnvironment, PlanService } from '../plan/schema.js';
import type { HttpProbeClient } from './live/http.js';

/**
 * The one interface every check implements: live HTTP checks, the static audit, manual
 * attestations, drills and team-written checks all register the same way (docs/writing-checks.md).
 *
 * Lifecycle: the plan loader validates each binding's `with` against `params` (a bad parameter
 * is a plan error, exit 2, before anything runs); the runner then calls `targets` to pick the
 * environment's services the check applies to, and `run` once per target (or once with no
 * service for an environment-wide check). `run` never throws for what it finds: a service that
 * does not answer is a `fail`, a missing prerequisite a `skip` with its reason. A throw is
 * recorded as `error`: the check itself broke.
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'error';

/** Figures behind a verdict: latencies in ms, sizes in bytes, counts, names. */
export type Measurements = Readonly<
  Record<string, number | string | boolean | readonly string[] | readonly number[]>
>;

/** Raw measurements a report can chart: every latency sample, in the order taken. */
export interface SampleSeries {
  readonly name: string;
  readonly unit: 'ms' | 'bytes' | 'count';
  readonly values: readonly number[];
}

/** Raw bytes kept as evidence (a response body, an audit report); the bundle stores its SHA-256. */
export interface ArtifactInput {
  /** File name inside the bundle's artifacts/ folder; unique within the check. */
  readonly name: string;
  readonly mediaType: string;
  readonly content: string | Uint8Array;
}

export interface CheckOutcome {
  readonly status: CheckStatus;
  /** One line: what was seen, or on failure what was wrong. */
  readonly summary: string;
  /** Required for skip and error: why it did not judge. */
  readonly reason?: string;
  readonly measurements?: Measurements;
  readonly samples?: readonly SampleSeries[];
  readonly artifacts?: readonly ArtifactInput[];
  /** What the target said about itself (its version from /health), when it said. */
  readonly targetVersion?: string;
}

export interface CheckContext {
  readonly plan: Plan;
  /** The plan file's directory: relative paths in the plan resolve against it. */
  readonly planDir: string;
  readonly environmentName: string;
  readonly environment: PlanEnvironment;
  readonly criterion: Criterion;
  /** The service this run targets; undefined for environment-wide checks. */
  readonly service?: PlanService;
  /** Per-request timeout the user asked for (`--timeout`). */
  readonly timeoutMs: number;
  /** Aborted on Ctrl-C or the overall deadline: stop promptly and clean up. */
  readonly signal: AbortSignal;
  readonly progress: (message: string) => void;
  readonly now: () => Date;
  /** Shared services (the HTTP client, the keyring) by name; see checks/services.ts. */
  readonly shared: SharedServices;
}

/** Long-lived resources the runner opens once and closes after the run. */
export interface SharedServices {
  /** Where `bulwark plan attest` statements are kept (default `.bulwark/attestations`). */
  readonly attestationsDir: string;
  /** Verifies attestation signatures; undefined when no keyring was given or found. */
  readonly keyring?: Verifier;
  /** The run's HTTP client (one keep-alive pool, `--timeout` per request); see checks/shared.ts. */
  readonly http: HttpProbeClient;
}

export interface CheckPlugin<Params = Record<string, unknown>> {
  /** Dotted, lower-case: `probe.latency`. */
  readonly id: string;
  /** One line for `bulwark verify --list-checks` and the docs. */
  readonly description: string;
  /** TypeBox schema of `with`; defaults are applied before `run` sees it. */
  readonly params: TSchema;
  /**
   * `service`: runs once per matching service (those of `kinds`, or those the binding names);
   * `environment`: runs once for the environment (manifests, attestations).
   */
  readonly scope: 'service' | 'environment';
  /** For service checks: the service kinds it applies to. */
  readonly kinds?: readonly PlanService['kind'][];
  run(params: Params, context: CheckContext): Promise<CheckOutcome>;
}

/** Erases the parameter type so plugins with different params share one registry. */
// biome-ignore lint/suspicious/noExplicitAny: the registry validates params against the schema before run
export type AnyCheckPlugin = CheckPlugin<any>;
