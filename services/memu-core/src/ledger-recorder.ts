import { DependencyUnavailableError, type HttpClient } from '@bulwark/kit';

/** The ledger stream memu-core's entries go to. */
export const MEMU_CORE_STREAM = 'memu-core';

/** One change to record: what happened, who asked, and the digests that identify it. */
export interface MemoryEvent {
  kind: 'memory.write' | 'memory.supersede' | 'memory.forget' | 'memory.job';
  actor: string;
  payload: Record<string, unknown>;
}

/** Where memu-core records every change before applying it. */
export interface MemoryRecorder {
  /** Resolves once the ledger has acknowledged every event; rejects and nothing may change. */
  record(events: readonly MemoryEvent[]): Promise<void>;
}

/** No ledger configured: nothing is recorded (development without the ledger service). */
export const noRecorder: MemoryRecorder = { record: async () => undefined };

/**
 * Appends events to the ledger service over HTTP, a write's batch as one ledger batch (one
 * group commit there). It fails closed, like core-api's LedgerAuditTrail: when the ledger does
 * not acknowledge, the change is refused with 503 and not applied, so no change goes unrecorded.
 * The order is record, then apply: a failure between the two leaves a ledger entry for a change
 * that did not happen (visible: its id is absent from the store), never a change without one.
 */
export class LedgerRecorder implements MemoryRecorder {
  readonly #http: HttpClient;
  readonly #batchesUrl: URL;

  constructor(http: HttpClient, ledgerUrl: string) {
    this.#http = http;
    this.#batchesUrl = new URL('/v1/ledger/batches', ledgerUrl);
  }

  async record(events: readonly MemoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    let status: number;
    try {
      const response = await this.#http.request(this.#batchesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          entries: events.map((event) => ({ stream: MEMU_CORE_STREAM, ...event })),
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
