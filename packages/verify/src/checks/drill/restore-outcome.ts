import type { ArtifactInput, CheckOutcome, Measurements } from '../check.js';
import type { BackupAge } from './restore-backup-age.js';
import type { DatabaseFigures, FigureDifference } from './restore-checksums.js';
import type { RestoredLedger } from './restore-ledger.js';

/** One restored database: its figures, the source's when compared, and its ledgers. */
export interface RestoredDatabase {
  readonly name: string;
  readonly bytes: number;
  readonly restored: DatabaseFigures;
  /** Absent when the copy could not be compared with the source (`notCompared` says why). */
  readonly source?: DatabaseFigures;
  readonly differences?: readonly FigureDifference[];
  readonly ledgers: readonly RestoredLedger[];
}

/** How much recent work a loss of the source at the drill's start would have lost. */
export interface RecoveryPoint {
  /** 0 when every WAL byte written was archived; else the time since the last archived segment. */
  readonly ms: number;
  readonly lastArchivedWal: string | null;
  readonly lastArchivedAt: string | null;
  /** The archiver's last attempt failed: WAL is piling up unarchived. */
  readonly archiveFailing: boolean;
}

/** What a restore drill saw, whichever method; `judgeRestore` turns it into the outcome. */
export interface RestoreFindings {
  readonly method: 'pg_dump' | 'pgbackrest';
  /** "a fresh dump", "dump nightly.dump", "pgBackRest backup 20261202-083137F". */
  readonly backupLabel: string;
  /** Time the drill spent taking the backup; absent when it used an existing one. */
  readonly backupMs?: number;
  readonly backupBytes?: number;
  readonly age?: BackupAge;
  /** The restore tool's time (pg_restore, pgbackrest restore). */
  readonly restoreMs: number;
  /** pgBackRest: starting the scratch server, WAL replay included, until it accepts connections. */
  readonly startMs?: number;
  readonly verifyMs: number;
  /** Wall time of the whole drill, backup included. */
  readonly totalMs: number;
  /** Where it restored to (a scratch database name or data directory), for the record. */
  readonly scratch: string;
  /** pgBackRest: the recovery target, in words. */
  readonly target?: string;
  readonly databases: readonly RestoredDatabase[];
  /** Why the restored copy was not compared with the source, when it was not. */
  readonly notCompared?: string;
  readonly recoveryPoint?: RecoveryPoint;
  /** Raw tool output kept as evidence. */
  readonly logs: readonly ArtifactInput[];
}

export interface RestoreLimits {
  readonly rtoMs: number;
  readonly rpoMs?: number;
}

/**
 * pass: every restored table matches the source (when compared), every restored ledger
 * verifies, the backup is within its age limit, restore + verify within rtoMs, and the recovery
 * point within rpoMs when the plan sets one. Each failing rule leads the summary.
 */
export function judgeRestore(findings: RestoreFindings, limits: RestoreLimits): CheckOutcome {
  const rtoMs = findings.restoreMs + (findings.startMs ?? 0) + findings.verifyMs;
  const restoredBytes = findings.databases.reduce((n, d) => n + d.bytes, 0);
  const restoreMBps = rate(restoredBytes, findings.restoreMs);
  const problems: string[] = [];

  if (findings.age?.stale) problems.push(findings.age.text);
  const differences = findings.databases.flatMap((d) =>
    (d.differences ?? []).map((x) => ({ ...x, database: d.name })),
  );
  if (differences.length > 0) {
    const first = differences[0] as (typeof differences)[number];
    const more = differences.length > 1 ? ` (and ${differences.length - 1} more)` : '';
    problems.push(
      `the restored copy differs from the source: ${first.relation} ${first.problem}${more}`,
    );
  }
  const ledgers = findings.databases.flatMap((d) =>
    d.ledgers.map((l) => ({ ...l, database: d.name })),
  );
  for (const ledger of ledgers.filter((l) => !l.valid)) {
    const at = ledger.firstBadSeq === null ? '' : ` at seq ${ledger.firstBadSeq}`;
    problems.push(
      `the restored ledger ${ledger.database}/${ledger.schema} does not verify${at}: ${ledger.reason ?? 'invalid'}`,
    );
  }
  if (rtoMs > limits.rtoMs)
    problems.push(`RTO ${seconds(rtoMs)} over the ${seconds(limits.rtoMs)} limit`);
  if (limits.rpoMs !== undefined) {
    if (!findings.recoveryPoint) {
      problems.push(
        'no RPO figure (it needs pgbackrest with the source database): the rpoMs limit cannot pass',
      );
    } else if (findings.recoveryPoint.ms > limits.rpoMs) {
      problems.push(
        `RPO ${seconds(findings.recoveryPoint.ms)} over the ${seconds(limits.rpoMs)} limit${findings.recoveryPoint.archiveFailing ? ' (WAL archiving is failing)' : ''}`,
      );
    }
  }

  const tables = findings.databases.reduce(
    (n, d) => n + [...d.restored.values()].filter((f) => f.kind === 'table').length,
    0,
  );
  const rows = findings.databases.reduce(
    (n, d) =>
      n + [...d.restored.values()].reduce((m, f) => m + (f.kind === 'table' ? f.rows : 0), 0),
    0,
  );
  const compared = findings.notCompared === undefined;
  const what = [
    `${tables} table${tables === 1 ? '' : 's'} ${compared ? 'matching the source' : 'read (not compared with the source)'}`,
    ...(ledgers.length > 0
      ? [
          `${ledgers.length} ledger${ledgers.length === 1 ? '' : 's'} ${ledgers.every((l) => l.valid) ? 'valid' : 'checked'}`,
        ]
      : []),
  ].join(', ');
  const restored = `restored ${megabytes(restoredBytes)} from ${findings.backupLabel} in ${seconds(findings.restoreMs)} (${restoreMBps} MB/s)${findings.startMs === undefined ? '' : `, started in ${seconds(findings.startMs)}`}, verified ${what} in ${seconds(findings.verifyMs)}`;
  const rto = `RTO ${seconds(rtoMs)} (limit ${seconds(limits.rtoMs)})`;
  const rpo = findings.recoveryPoint ? `, RPO ${seconds(findings.recoveryPoint.ms)}` : '';

  const measurements: Record<string, Measurements[string]> = {
    method: findings.method,
    backup: findings.backupLabel,
    scratch: findings.scratch,
    restoreMs: round(findings.restoreMs),
    verifyMs: round(findings.verifyMs),
    rtoMs: round(rtoMs),
    rtoLimitMs: limits.rtoMs,
    totalMs: round(findings.totalMs),
    restoredBytes,
    restoreMBps,
    tables,
    rows,
    compared,
    differences: differences.length,
    ledgers: ledgers.length,
    ledgersValid: ledgers.filter((l) => l.valid).length,
  };
  if (findings.backupMs !== undefined) measurements.backupMs = round(findings.backupMs);
  if (findings.backupBytes !== undefined) measurements.backupBytes = findings.backupBytes;
  if (findings.startMs !== undefined) measurements.startMs = round(findings.startMs);
  if (findings.target !== undefined) measurements.target = findings.target;
  if (findings.notCompared !== undefined) measurements.notCompared = findings.notCompared;
  if (findings.age) {
    measurements.backupAgeMs = findings.age.ageMs;
    measurements.maxBackupAgeMs = findings.age.limitMs;
  }
  if (findings.recoveryPoint) {
    measurements.rpoMs = round(findings.recoveryPoint.ms);
    measurements.archiveFailing = findings.recoveryPoint.archiveFailing;
    if (findings.recoveryPoint.lastArchivedWal)
      measurements.lastArchivedWal = findings.recoveryPoint.lastArchivedWal;
  }
  if (limits.rpoMs !== undefined) measurements.rpoLimitMs = limits.rpoMs;

  return {
    status: problems.length === 0 ? 'pass' : 'fail',
    summary:
      problems.length === 0
        ? `${restored}: ${rto}${rpo}`
        : `${problems.join('; ')}; ${restored}, ${rto}${rpo}`,
    measurements,
    artifacts: [
      {
        name: 'restore-figures.json',
        mediaType: 'application/json',
        content: `${JSON.stringify(figuresDocument(findings), null, 2)}\n`,
      },
      ...findings.logs,
    ],
  };
}

/** Relations listed per database in the evidence: a bound on its size (the counts cover all). */
const LISTED_RELATIONS = 5_000;

/** The evidence behind the verdict: each relation's figures on both sides, and each ledger's report. */
function figuresDocument(findings: RestoreFindings) {
  return {
    method: findings.method,
    backup: findings.backupLabel,
    target: findings.target ?? null,
    notCompared: findings.notCompared ?? null,
    databases: findings.databases.map((d) => ({
      name: d.name,
      bytes: d.bytes,
      relations: [...d.restored.values()].slice(0, LISTED_RELATIONS).map((r) => ({
        ...r,
        source: d.source?.get(r.relation) ?? null,
      })),
      relationsNotListed: Math.max(0, d.restored.size - LISTED_RELATIONS),
      missing: [...(d.source?.keys() ?? [])]
        .filter((k) => !d.restored.has(k))
        .slice(0, LISTED_RELATIONS),
      differences: d.differences?.slice(0, LISTED_RELATIONS) ?? null,
      ledgers: d.ledgers,
    })),
  };
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** MB are 10^6 bytes throughout (as pg_restore benchmarks usually state them). */
export function megabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

export function rate(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10 : 0;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
