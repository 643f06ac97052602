import { type Static, Type } from '@sinclair/typebox';

/**
 * What `up` does when a service that has been ready exits without being asked to:
 *   no          nothing: `up` stops the stack and exits 1 (the default)
 *   on-failure  restart it when it exited with a code other than 0 (a crash, SIGKILL: 128+9)
 *   always      restart it whatever the code (a clean exit after someone else's SIGTERM too),
 *               the way Kubernetes' restartPolicy: Always does
 * A service that exits before it was first ready is never restarted: that is a broken
 * configuration, reported at once (exit 2), not something a restart fixes.
 */
export const RESTART_POLICIES = ['no', 'on-failure', 'always'] as const;
export type RestartPolicyName = (typeof RESTART_POLICIES)[number];

const PolicyName = Type.Union(RESTART_POLICIES.map((name) => Type.Literal(name)));

const RestartSettingsSchema = Type.Object(
  {
    policy: PolicyName,
    /** Restarts allowed within `windowSeconds`; one more exit ends `up` as `no` would. */
    maxRestarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    windowSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    /** Delay before the first restart in the window; doubles for each further one. */
    backoffMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);

/** The stack file's `restart:` field: a policy name, or the policy with its limits. */
export const StackRestart = Type.Union([PolicyName, RestartSettingsSchema]);
export type StackRestart = Static<typeof StackRestart>;

export const RESTART_DEFAULTS = {
  policy: 'no',
  maxRestarts: 5,
  windowSeconds: 60,
  backoffMs: 100,
} as const;

/** No delay grows past this, however many restarts the window holds. */
export const MAX_BACKOFF_MS = 10_000;

export interface RestartSettings {
  readonly policy: RestartPolicyName;
  readonly maxRestarts: number;
  readonly windowSeconds: number;
  readonly backoffMs: number;
}

export function restartSettings(field: StackRestart | undefined): RestartSettings {
  if (field === undefined) return RESTART_DEFAULTS;
  if (typeof field === 'string') return { ...RESTART_DEFAULTS, policy: field };
  return {
    policy: field.policy,
    maxRestarts: field.maxRestarts ?? RESTART_DEFAULTS.maxRestarts,
    windowSeconds: field.windowSeconds ?? RESTART_DEFAULTS.windowSeconds,
    backoffMs: field.backoffMs ?? RESTART_DEFAULTS.backoffMs,
  };
}

export type RestartDecision =
  | {
      readonly restart: true;
      readonly delayMs: number;
      /** 1 for the first restart in the current window. */
      readonly attempt: number;
    }
  | { readonly restart: false; readonly why: string };

/**
 * One service's restart budget: the restarts made within the sliding window, and the backoff
 * they earn (Docker's scheme: double the previous delay, capped).
 */
export class RestartBudget {
  readonly settings: RestartSettings;
  readonly #restarts: number[] = [];

  constructor(settings: RestartSettings) {
    this.settings = settings;
  }

  /** Whether to restart after an exit with `code`, at `nowMs` (a monotonic clock). */
  decide(code: number, nowMs: number): RestartDecision {
    const { policy, maxRestarts, windowSeconds, backoffMs } = this.settings;
    if (policy === 'no') return { restart: false, why: 'restart: no' };
    if (policy === 'on-failure' && code === 0) {
      return { restart: false, why: 'restart: on-failure, and it exited with 0' };
    }
    const windowStart = nowMs - windowSeconds * 1000;
    while (this.#restarts.length > 0 && (this.#restarts[0] ?? 0) < windowStart) {
      this.#restarts.shift();
    }
    if (this.#restarts.length >= maxRestarts) {
      return {
        restart: false,
        why: `restarted ${this.#restarts.length} time(s) within ${windowSeconds} s, the stack file's limit`,
      };
    }
    const delayMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** this.#restarts.length);
    this.#restarts.push(nowMs);
    return { restart: true, delayMs, attempt: this.#restarts.length };
  }
}
