import type { RegistryEvent } from '@bulwark/config';
import { DependencyUnavailableError, type HttpClient } from '@bulwark/kit';

/** The ledger stream the registry's entries go to. */
export const CONFIG_REGISTRY_STREAM = 'config-registry';

/** Where the registry records what it is asked to do before doing it. */
export interface RegistryRecorder {
  /** Resolves once the ledger acknowledged every event; rejects and nothing may change. */
  record(events: readonly RegistryEvent[]): Promise<void>;
}

/** No ledger configured: nothing is recorded (development without the ledger service). */
export const noRecorder: RegistryRecorder = { record: async () => undefined };

/**
 * Appends events to the ledger service over HTTP (POST /v1/ledger/batches through the kit's
 * client), as one batch. It fails closed: when the ledger does not acknowledge, the operator's
 * request (a publish, a rollout, a revert) is refused with 503 and nothing is stored. The order
 * is record, then commit: a failure between the two leaves a ledger entry for a version or a
 * rollout that does not exist (visible: the registry has no such row), never the reverse.
 */
export class LedgerRecorder implements RegistryRecorder {
  readonly #http: HttpClient;
  readonly #batchesUrl: URL;

  constructor(http: HttpClient, ledgerUrl: string) {
    this.#http = http;
    this.#batchesUrl = new URL('/v1/ledger/batches', ledgerUrl);
  }

  async record(events: readonly RegistryEvent[]): Promise<void> {
    if (events.length === 0) return;
    let status: number;
    try {
      const response = await this.#http.request(this.#batchesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          entries: events.map((event) => ({
            stream: CONFIG_REGISTRY_STREAM,
            kind: event.kind,
            actor: ledgerActor(event.actor),
            payload: event.payload,
          })),
        }),
        timeoutMs: 5_000,
      });
      status = response.statusCode;
      await response.text();
    } catch (cause) {
      throw new DependencyUnavailableError('the audit ledger is unreachable', { cause });
    }
    if (status !== 201) {
      throw new DependencyUnavailableError(`the audit ledger refused the entries (HTTP ${status})`);
    }
  }
}

/**
 * An actor as the ledger takes it (letters, digits and `. _ : / @ + -`, at most 200 bytes):
 * a principal's subject may hold other characters, which become `_`.
 */
export function ledgerActor(actor: string): string {
  const cleaned = actor.replace(/[^A-Za-z0-9._:/@+-]/g, '_').slice(0, 200);
  return /^[A-Za-z0-9]/.test(cleaned) ? cleaned : `_${cleaned}`.slice(0, 200);
}
