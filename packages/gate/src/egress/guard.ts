import { EgressDeniedError } from '../errors.js';
import type { EgressDestination, EgressVerdict } from '../policy/types.js';

/** Where a connection was refused: before undici dispatched it, or at the socket's connect. */
export type EgressLayer = 'dispatcher' | 'socket';

/** Judges one destination; in the gate, `(d) => compiled.egress(currentMode, d)`. */
export type EgressCheck = (destination: EgressDestination) => EgressVerdict;

export interface EgressBlockEvent {
  readonly layer: EgressLayer;
  readonly destination: EgressDestination;
  readonly verdict: EgressVerdict;
}

export interface EgressGuardOptions {
  readonly check: EgressCheck;
  /** Told of every refusal (for the ledger, a log line, a metric); its failures are ignored. */
  readonly onBlock?: (event: EgressBlockEvent) => void;
}

/**
 * The one decision point the in-process egress layers share. The check is a function rather
 * than a CompiledPolicy so the guard follows mode changes without being rebuilt, and so it
 * can be tested without a policy.
 */
export class EgressGuard {
  readonly #check: EgressCheck;
  readonly #onBlock: ((event: EgressBlockEvent) => void) | undefined;

  constructor(options: EgressGuardOptions) {
    this.#check = options.check;
    this.#onBlock = options.onBlock;
  }

  /** The verdict for a destination; a check that throws is a deny (fail closed). */
  verdict(destination: EgressDestination): EgressVerdict {
    try {
      return this.#check(destination);
    } catch (error) {
      return { allow: false, reason: `the egress check failed: ${messageOf(error)}` };
    }
  }

  /** Returns the allowing verdict, or reports the block and throws EgressDeniedError. */
  assert(destination: EgressDestination, layer: EgressLayer): EgressVerdict {
    const verdict = this.verdict(destination);
    if (verdict.allow) return verdict;
    try {
      this.#onBlock?.({ layer, destination, verdict });
    } catch {
      // An observer that fails must not turn the refusal into something else: the caller
      // still gets the EgressDeniedError below, which names the destination and the reason.
    }
    const rule = verdict.ruleId === undefined ? '' : ` (rule ${verdict.ruleId})`;
    throw new EgressDeniedError(
      `egress to ${describeDestination(destination)} denied at the ${layer}${rule}: ${verdict.reason}`,
    );
  }
}

/** `https://api.example.com:443 (93.184.215.14)`, for messages and logs. */
export function describeDestination(destination: EgressDestination): string {
  const scheme = destination.scheme ? `${destination.scheme}://` : '';
  const name = destination.host ?? destination.address ?? '?';
  const host = name.includes(':') ? `[${name}]` : name;
  const resolved =
    destination.host !== undefined && destination.address !== undefined
      ? ` (${destination.address})`
      : '';
  return `${scheme}${host}:${destination.port}${resolved}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
