import { type HttpClient, LedgerBatchRecorder } from '@bulwark/kit';

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
 * The kit's LedgerBatchRecorder on this service's stream.
 */
export class LedgerRecorder extends LedgerBatchRecorder<MemoryEvent> implements MemoryRecorder {
  constructor(http: HttpClient, ledgerUrl: string) {
    super(http, { ledgerUrl, stream: MEMU_CORE_STREAM });
  }
}
