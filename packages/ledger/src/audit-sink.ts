import type { AuditSink, SignatureAuditRecord } from '@bulwark/keys';
import type { EntryInput } from './entry.js';
import type { AppendReceipt } from './ledger.js';

interface Appender {
  append(input: EntryInput): Promise<AppendReceipt>;
}

export const KEY_AUDIT_STREAM = 'keys';

/**
 * The @bulwark/keys audit sink that records every signature in the ledger: stream "keys",
 * kind "signature", actor the key id. A signature is released only after its record is durable.
 * Takes a getter because the ledger's own checkpoint signer is audited into the ledger it signs.
 */
export class LedgerAuditSink implements AuditSink {
  readonly #ledger: () => Appender;

  constructor(ledger: Appender | (() => Appender)) {
    this.#ledger = typeof ledger === 'function' ? ledger : () => ledger;
  }

  async record(record: SignatureAuditRecord): Promise<void> {
    await this.#ledger().append({
      stream: KEY_AUDIT_STREAM,
      kind: 'signature',
      actor: record.keyId,
      payload: { ...record },
    });
  }
}
