import { readFile } from 'node:fs/promises';
import {
  type NoteKey,
  PostgresDriver,
  parseTrustAnchor,
  type TrustLevel,
  verifyLedger,
} from '@bulwark/ledger';
import { RestoreAbortedError } from './restore-process.js';
import {
  type PgSession,
  type PgTarget,
  RestoreDatabaseError,
  withSearchPath,
} from './restore-sql.js';

/** The ledger trust material named by the drill's parameters could not be read. */
export class RestoreLedgerTrustError extends Error {
  readonly code = 'BW_RESTORE_LEDGER_TRUST';
}

/** What `bulwark ledger verify` said about one ledger in the restored copy. */
export interface RestoredLedger {
  readonly schema: string;
  readonly valid: boolean;
  readonly checked: number;
  readonly head: number;
  readonly trust: TrustLevel;
  readonly firstBadSeq: number | null;
  readonly reason: string | null;
}

export interface LedgerTrust {
  readonly origin?: string;
  readonly trustedKeys?: NoteKey[];
}

/** The log's origin and checkpoint keys, from a key file the plan names (as `--pubkey`). */
export async function readLedgerTrust(path: string, origin?: string): Promise<LedgerTrust> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RestoreLedgerTrustError(
      `cannot read ledgerPubkey ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    const anchor = parseTrustAnchor(text, origin);
    return { origin: anchor.origin, trustedKeys: anchor.keys };
  } catch (error) {
    throw new RestoreLedgerTrustError(`ledgerPubkey ${path}: ${(error as Error).message}`);
  }
}

/** Schemas holding a Bulwark ledger (its entries table, as packages/ledger's schema creates it). */
export async function ledgerSchemas(session: PgSession): Promise<string[]> {
  const rows = await session.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = 'ledger_entries' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  return rows.map((r) => r.schema);
}

/**
 * Runs the ledger verifier (the library behind `bulwark ledger verify`) on each ledger of the
 * restored copy, reading it by binary COPY as the command does. Without trust material it
 * checks the chain and the Merkle tree (trust level `chain`); with keys, the signed checkpoints
 * the database holds as well.
 */
export async function verifyRestoredLedgers(
  target: PgTarget,
  schemas: readonly string[],
  trust: LedgerTrust,
  signal: AbortSignal,
): Promise<RestoredLedger[]> {
  const results: RestoredLedger[] = [];
  for (const schema of schemas) {
    const driver = new PostgresDriver(withSearchPath(target, schema).url, { maxConnections: 2 });
    try {
      const verifying = verifyLedger(driver, {
        ...(trust.origin ? { origin: trust.origin } : {}),
        ...(trust.trustedKeys ? { trustedKeys: trust.trustedKeys } : {}),
      });
      // The verifier takes no signal: on abort the drill stops waiting, and the cleanup (which
      // drops the scratch database or stops the scratch server) ends its queries.
      verifying.catch(() => undefined);
      const report = await Promise.race([verifying, stopped(signal)]);
      results.push({
        schema,
        valid: report.valid,
        checked: report.checked,
        head: report.head,
        trust: report.trust.level,
        firstBadSeq: report.firstBadSeq,
        reason: report.reason,
      });
      await driver.close().catch(() => undefined);
    } catch (error) {
      // Not awaited: a pool's end waits for the query the abort left running.
      void driver.close().catch(() => undefined);
      if (error instanceof RestoreAbortedError) throw error;
      throw new RestoreDatabaseError(
        `ledger verify of ${target.label} (schema ${schema}): ${(error as Error).message}`,
      );
    }
  }
  return results;
}

function stopped(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new RestoreAbortedError('the drill was stopped'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
