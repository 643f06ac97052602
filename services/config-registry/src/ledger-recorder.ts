import type { RegistryEvent } from '@bulwark/config';
import { type HttpClient, LedgerBatchRecorder } from '@bulwark/kit';

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
 * The kit's LedgerBatchRecorder on this service's stream.
 */
export class LedgerRecorder extends LedgerBatchRecorder<RegistryEvent> implements RegistryRecorder {
  constructor(http: HttpClient, ledgerUrl: string) {
    super(http, { ledgerUrl, stream: CONFIG_REGISTRY_STREAM, actor: ledgerActor });
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
