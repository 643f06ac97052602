import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { isPostgresUrl } from '@bulwark/ledger';
import type { CheckContext, CheckOutcome, CheckPlugin } from '../check.js';
import { aborted, skipped } from '../outcomes.js';
import { withCleanup } from './cleanup.js';
import { BackupNotFoundError } from './restore-backup-age.js';
import { type LedgerTrust, RestoreLedgerTrustError, readLedgerTrust } from './restore-ledger.js';
import { judgeRestore, seconds } from './restore-outcome.js';
import {
  DrillRestoreParams,
  type DrillRestoreParamsValue,
  drillTimeoutMs,
} from './restore-params.js';
import { drillPgBackRest } from './restore-pgbackrest.js';
import { drillPgDump } from './restore-pgdump.js';
import { RestoreAbortedError, RestoreCommandError } from './restore-process.js';
import type { RestoreRun } from './restore-run.js';
import { RestoreDatabaseError } from './restore-sql.js';

export { DrillRestoreParams, type DrillRestoreParamsValue } from './restore-params.js';

/**
 * The restore drill: take a backup (pg_dump, or pgBackRest with WAL archiving), restore it into a
 * scratch database or data directory, verify row counts and per-table checksums against the
 * source and run the ledger verifier on a restored ledger, and report RTO (and RPO where WAL is
 * archived) against the plan's targets. It also fails when the newest backup is older than
 * `maxBackupAge`. Whatever happens, the scratch database, directory and server are removed.
 */
export const drillRestoreCheck: CheckPlugin<DrillRestoreParamsValue> = {
  id: 'drill.restore',
  description:
    'back up (pg_dump or pgBackRest), restore into a scratch database, verify tables and ledgers against the source; RTO within rtoMs, RPO within rpoMs, newest backup within maxBackupAge',
  params: DrillRestoreParams,
  scope: 'environment',
  async run(params, ctx) {
    const misconfigured = configurationProblem(params);
    if (misconfigured) return { status: 'error', summary: misconfigured, reason: misconfigured };
    const source = sourceDatabase(params, ctx);
    if ('skip' in source) return skipped(source.skip);
    const into = params.restoreInto ? databaseUrl(ctx, params.restoreInto) : source.url;
    if (params.restoreInto && !into) {
      return skipped(
        `environment ${ctx.environmentName} lists no PostgreSQL database ${params.restoreInto} to restore into`,
      );
    }

    let ledgerTrust: LedgerTrust = params.ledgerOrigin ? { origin: params.ledgerOrigin } : {};
    if (params.ledgerPubkey) {
      try {
        ledgerTrust = await readLedgerTrust(
          resolve(ctx.planDir, params.ledgerPubkey),
          params.ledgerOrigin,
        );
      } catch (error) {
        if (!(error instanceof RestoreLedgerTrustError)) throw error;
        return { status: 'error', summary: error.message, reason: error.message };
      }
    }

    const timeoutMs = drillTimeoutMs(params);
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    const outcome = await withCleanup<CheckOutcome>(async (cleanup) => {
      const run: RestoreRun = {
        ctx,
        params,
        cleanup,
        signal,
        workDir: resolve(ctx.planDir, params.workDir ?? tmpdir()),
        ledgerTrust,
      };
      try {
        const findings =
          params.method === 'pgbackrest' && params.pgbackrest
            ? await drillPgBackRest(run, params.pgbackrest, source.url)
            : await drillPgDump(run, {
                sourceUrl: source.url as string,
                scratchServerUrl: (into ?? source.url) as string,
                ...(params.backup ? { backup: resolve(ctx.planDir, params.backup) } : {}),
              });
        return judgeRestore(findings, {
          rtoMs: params.rtoMs,
          ...(params.rpoMs === undefined ? {} : { rpoMs: params.rpoMs }),
        });
      } catch (error) {
        return failureOf(error, ctx, deadline, timeoutMs);
      }
    });
    // The cleanup ran after the drill saw the abort: report the abort, not a half-measured figure.
    if (ctx.signal.aborted && outcome.status !== 'error') return aborted();
    return outcome;
  },
};

/** What went wrong as a verdict: the restore failing is a fail; the drill's own bug stays a throw. */
function failureOf(
  error: unknown,
  ctx: CheckContext,
  deadline: AbortSignal,
  timeoutMs: number,
): CheckOutcome {
  if (error instanceof RestoreAbortedError) {
    if (ctx.signal.aborted) return aborted();
    if (deadline.aborted) {
      return {
        status: 'fail',
        summary: `the drill did not finish within its ${seconds(timeoutMs)} deadline (timeoutMs)`,
      };
    }
  }
  if (error instanceof RestoreCommandError) {
    return {
      status: 'fail',
      summary: error.message,
      ...(error.stderr
        ? {
            artifacts: [
              {
                name: 'failed-command.log',
                mediaType: 'text/plain',
                content: error.stderr.slice(-65_536),
              },
            ],
          }
        : {}),
    };
  }
  if (error instanceof RestoreDatabaseError || error instanceof BackupNotFoundError) {
    return { status: 'fail', summary: error.message };
  }
  throw error;
}

/** Parameter combinations the schema cannot express: the binding is wrong, so nothing is judged. */
function configurationProblem(params: DrillRestoreParamsValue): string | undefined {
  if (params.method === 'pgbackrest') {
    if (!params.pgbackrest)
      return 'method pgbackrest needs the pgbackrest parameters (at least its stanza)';
    const dumpOnly = (['backup', 'restoreInto', 'compress'] as const).filter(
      (k) => params[k] !== undefined,
    );
    if (dumpOnly.length > 0)
      return `${dumpOnly.join(', ')} belong to method pg_dump, not pgbackrest`;
    if (params.rpoMs !== undefined && !params.database) {
      return 'rpoMs is measured on the source database: name it with database';
    }
    return undefined;
  }
  if (params.pgbackrest) return 'pgbackrest parameters were given but method is pg_dump';
  if (params.rpoMs !== undefined) {
    return 'rpoMs needs archived WAL: use method pgbackrest (a dump has no recovery point to measure)';
  }
  if (params.maxBackupAge && !params.backup) {
    return 'maxBackupAge ages an existing backup: give backup (a dump file or directory), or use method pgbackrest';
  }
  return undefined;
}

/** The database to back up and compare with, or why there is none in this environment. */
function sourceDatabase(
  params: DrillRestoreParamsValue,
  ctx: CheckContext,
): { url: string | undefined } | { skip: string } {
  const databases = ctx.environment.databases ?? [];
  const env = ctx.environmentName;
  if (params.database) {
    const found = databases.find((d) => d.name === params.database);
    if (!found) return { skip: `environment ${env} lists no database ${params.database}` };
    if (!isPostgresUrl(found.url)) {
      return {
        skip: `database ${found.name} is not a postgres:// URL: only PostgreSQL is backed up and restored`,
      };
    }
    return { url: found.url };
  }
  // pgBackRest restores a whole cluster: without a database it verifies every one it finds.
  if (params.method === 'pgbackrest') return { url: undefined };
  const postgres = databases.filter((d) => isPostgresUrl(d.url));
  if (postgres.length === 0)
    return { skip: `environment ${env} lists no PostgreSQL database to back up` };
  if (postgres.length > 1) {
    return {
      skip: `environment ${env} lists ${postgres.length} PostgreSQL databases (${postgres.map((d) => d.name).join(', ')}): name one with database`,
    };
  }
  return { url: (postgres[0] as { url: string }).url };
}

function databaseUrl(ctx: CheckContext, name: string): string | undefined {
  const found = ctx.environment.databases?.find((d) => d.name === name);
  return found && isPostgresUrl(found.url) ? found.url : undefined;
}
