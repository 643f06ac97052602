/**
 * Two kinds of check that must never be confused. A dependency probe does I/O and may only feed
 * readiness and health. A liveness check is synchronous and looks only at this process: its
 * return type cannot be a Promise, so a dependency probe (or any I/O) cannot be attached to
 * liveness, where a flapping database would get every pod restarted at once.
 */
export interface DependencyProbe {
  readonly kind: 'dependency';
  readonly name: string;
  /** A failing critical probe fails /ready; a non-critical one only shows in /health. */
  readonly critical: boolean;
  /** Overrides the service-wide probe timeout. */
  readonly timeoutMs?: number | undefined;
  /** Resolves when the dependency is usable; rejects (or is aborted) otherwise. */
  check(signal: AbortSignal): Promise<void>;
  /**
   * Figures shown with the component in /health after each check, passing or failing (a queue's
   * depth, a window's size). Read from memory the check filled: it must not do I/O.
   */
  details?(): ProbeDetails | undefined;
}

/** Flat figures for /health: names to numbers, strings or booleans. */
export type ProbeDetails = Readonly<Record<string, number | string | boolean | null>>;

export type LivenessVerdict =
  | { readonly alive: true }
  | { readonly alive: false; readonly reason: string };

export interface LivenessCheck {
  readonly kind: 'liveness';
  readonly name: string;
  check(): LivenessVerdict;
}

export interface DependencyProbeOptions {
  name: string;
  critical?: boolean;
  timeoutMs?: number;
  /** See DependencyProbe.details. */
  details?: () => ProbeDetails | undefined;
}

/** A custom dependency probe from any async check. */
export function dependencyProbe(
  options: DependencyProbeOptions,
  check: (signal: AbortSignal) => Promise<unknown>,
): DependencyProbe {
  return {
    kind: 'dependency',
    name: options.name,
    critical: options.critical ?? true,
    timeoutMs: options.timeoutMs,
    async check(signal) {
      await check(signal);
    },
    ...(options.details ? { details: options.details } : {}),
  };
}

/** A liveness check over in-process state only. */
export function livenessCheck(name: string, check: () => LivenessVerdict): LivenessCheck {
  return { kind: 'liveness', name, check };
}

export interface ProbeResult {
  readonly name: string;
  readonly critical: boolean;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly checkedAt: number;
  readonly lastSuccessAt: number | undefined;
  /** Sanitized one-line cause; never the dependency's raw error (it may hold a DSN). */
  readonly error: string | undefined;
  readonly details: ProbeDetails | undefined;
}

/**
 * A part's own line in /health (circuit breakers, load shedding): its status joins the overall
 * one (warn degrades a pass, fail fails it), the rest of the object is shown as is.
 */
export interface HealthReport {
  readonly status: 'pass' | 'warn' | 'fail';
  readonly [detail: string]: unknown;
}
