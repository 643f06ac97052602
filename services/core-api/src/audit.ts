import { DependencyUnavailableError, type HttpClient } from '@bulwark/kit';

export interface AuditEvent {
  kind: string;
  actor: string;
  payload: Record<string, unknown>;
}

/** Where core-api records every state change before applying it. */
export interface AuditTrail {
  record(event: AuditEvent): Promise<void>;
}

/** No ledger configured: nothing is recorded (development without the ledger service). */
export const noAuditTrail: AuditTrail = { record: async () => undefined };

/**
 * Appends audit entries to the ledger service over HTTP. It fails closed: when the ledger does
 * not acknowledge the entry, the state change is refused, so no change goes unrecorded.
 */
export class LedgerAuditTrail implements AuditTrail {
  readonly #http: HttpClient;
  readonly #entriesUrl: URL;

  constructor(http: HttpClient, ledgerUrl: string) {
    this.#http = http;
    this.#entriesUrl = new URL('/v1/ledger/entries', ledgerUrl);
  }

  async record(event: AuditEvent): Promise<void> {
    let status: number;
    try {
      const response = await this.#http.request(this.#entriesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stream: 'core-api', ...event }),
        timeoutMs: 5_000,
      });
      status = response.statusCode;
      await response.text();
    } catch (cause) {
      throw new DependencyUnavailableError('the audit ledger is unreachable', { cause });
    }
    if (status !== 201) {
      throw new DependencyUnavailableError(`the audit ledger refused the entry (HTTP ${status})`);
    }
  }
}
