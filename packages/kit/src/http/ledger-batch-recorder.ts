import { DependencyUnavailableError } from '../errors.js';
import type { HttpClient } from './client.js';

/** One change a service records in the ledger: what happened, who asked, what identifies it. */
export interface LedgerEvent {
  readonly kind: string;
  readonly actor: string;
  readonly payload: Record<string, unknown>;
}

export interface LedgerBatchRecorderOptions {
  /** The ledger service's base URL (POST /v1/ledger/batches is appended). */
  readonly ledgerUrl: string;
  /** The ledger stream every entry goes to (the service's name). */
  readonly stream: string;
  /** Maps an actor to what the ledger accepts (default: as given). */
  readonly actor?: (actor: string) => string;
}

/**
 * Appends a service's events to the ledger service over HTTP, one call as one ledger batch (one
 * group commit there), through the kit's resilient client. It fails closed: when the ledger does
 * not acknowledge, `record` rejects with DependencyUnavailableError (a 503), and the caller must
 * not apply the change. Callers record first, then apply: a failure between the two leaves an
 * entry for a change that did not happen (visible: the change is absent), never the reverse.
 */
export class LedgerBatchRecorder<E extends LedgerEvent = LedgerEvent> {
  readonly #http: HttpClient;
  readonly #batchesUrl: URL;
  readonly #stream: string;
  readonly #actor: (actor: string) => string;

  constructor(http: HttpClient, options: LedgerBatchRecorderOptions) {
    this.#http = http;
    this.#batchesUrl = new URL('/v1/ledger/batches', options.ledgerUrl);
    this.#stream = options.stream;
    this.#actor = options.actor ?? ((actor) => actor);
  }

  async record(events: readonly E[]): Promise<void> {
    if (events.length === 0) return;
    let status: number;
    try {
      const response = await this.#http.request(this.#batchesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          entries: events.map((event) => ({
            stream: this.#stream,
            kind: event.kind,
            actor: this.#actor(event.actor),
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
