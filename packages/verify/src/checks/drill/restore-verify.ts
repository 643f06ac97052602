import {
  compareFigures,
  type DatabaseFigures,
  databaseFigures,
  listRelations,
} from './restore-checksums.js';
import { ledgerSchemas, verifyRestoredLedgers } from './restore-ledger.js';
import type { RestoredDatabase } from './restore-outcome.js';
import type { RestoreRun } from './restore-run.js';
import { PgSession, type PgTarget } from './restore-sql.js';

/**
 * The restored database's figures (over `jobs` connections), its size and its ledgers, compared
 * with the source's figures when there are any.
 */
export async function verifyDatabase(
  run: RestoreRun,
  target: PgTarget,
  name: string,
  source: DatabaseFigures | undefined,
  physical: boolean,
): Promise<RestoredDatabase> {
  const sessions: PgSession[] = [];
  try {
    for (let i = 0; i < run.params.jobs; i++)
      sessions.push(await PgSession.open(target, run.signal));
    const first = sessions[0] as PgSession;
    const relations = await listRelations(first);
    const restored = await databaseFigures(sessions, relations);
    const [size] = await first.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database())::text AS bytes',
    );
    const schemas = await ledgerSchemas(first);
    const ledgers = await verifyRestoredLedgers(target, schemas, run.ledgerTrust, run.signal);
    return {
      name,
      bytes: Number(size?.bytes ?? 0),
      restored,
      ...(source ? { source, differences: compareFigures(source, restored, { physical }) } : {}),
      ledgers,
    };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
