import { jsonObjectOf } from '../live/answer.js';
import type { HttpProbeClient } from '../live/http.js';
import { LEDGER_VERIFY_PATH } from '../live/ledger-verify.js';
import { endpointUrl } from '../live/probe-checks.js';

/**
 * The ledger chain, verified again and again during a soak: each of the environment's ledger
 * services re-verifies its whole log (GET /v1/ledger/verify) on a period and once at the end.
 * An answer of `valid: false` at any time fails the soak; a ledger that does not answer (it may
 * be the service being restarted) is counted, not judged, except at the end, when it must
 * answer valid.
 */
export type LedgerVerdict =
  | { readonly kind: 'valid'; readonly checked?: number }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'unanswered'; readonly reason: string };

const REPORT_LIMIT = 4_194_304;

export async function verifyLedgerOnce(
  client: HttpProbeClient,
  ledgerUrl: string,
  signal: AbortSignal,
): Promise<LedgerVerdict> {
  const exchange = await client.get(endpointUrl(new URL(ledgerUrl), LEDGER_VERIFY_PATH), {
    headers: { accept: 'application/json' },
    maxBodyBytes: REPORT_LIMIT,
    signal,
  });
  if (exchange.kind === 'failure') return { kind: 'unanswered', reason: exchange.message };
  const report = jsonObjectOf(exchange.body);
  if (exchange.status !== 200 || typeof report?.valid !== 'boolean') {
    // A gateway or a draining service says "not now", not "the chain is broken".
    return [502, 503, 504].includes(exchange.status)
      ? { kind: 'unanswered', reason: `answered ${exchange.status}` }
      : { kind: 'invalid', reason: `answered ${exchange.status} without a verify report` };
  }
  if (!report.valid) {
    const at = typeof report.firstBadSeq === 'number' ? ` at seq ${report.firstBadSeq}` : '';
    const why = typeof report.reason === 'string' ? `: ${report.reason.slice(0, 200)}` : '';
    return { kind: 'invalid', reason: `chain invalid${at}${why}` };
  }
  return {
    kind: 'valid',
    ...(typeof report.checked === 'number' ? { checked: report.checked } : {}),
  };
}

/** Every verification of one soak, per ledger service. */
export class LedgerWatch {
  readonly verdicts: Array<{ readonly service: string; readonly verdict: LedgerVerdict }> = [];

  readonly #client: HttpProbeClient;
  readonly ledgers: readonly { readonly name: string; readonly url: string }[];

  constructor(
    client: HttpProbeClient,
    ledgers: readonly { readonly name: string; readonly url: string }[],
  ) {
    this.#client = client;
    this.ledgers = ledgers;
  }

  async verifyAll(signal: AbortSignal): Promise<void> {
    for (const ledger of this.ledgers) {
      if (signal.aborted) return;
      const verdict = await verifyLedgerOnce(this.#client, ledger.url, signal);
      if (signal.aborted) return;
      this.verdicts.push({ service: ledger.name, verdict });
    }
  }
}
