import { type Static, Type } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../../plan/schema.js';

const MAX_MS = 7 * 86_400_000;
const EnvName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 120 });
const Path = Type.String({ minLength: 1, maxLength: 4096 });

/** Where pgBackRest restores to: its own `--type` and `--target`. */
export const RestoreTarget = Type.Union([
  Type.Object({ type: Type.Literal('immediate') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('time'),
      /** RFC 3339, with a zone. */
      value: Type.String({
        pattern:
          '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)$',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('name'), value: Type.String({ minLength: 1, maxLength: 63 }) },
    { additionalProperties: false },
  ),
]);
export type RestoreTargetValue = Static<typeof RestoreTarget>;

export const PgBackRestParams = Type.Object(
  {
    stanza: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 64 }),
    /** pgbackrest.conf (`--config`); pgBackRest's default when omitted. */
    config: Type.Optional(Path),
    /** `--repo1-path`, when the configuration does not give it. */
    repoPath: Type.Optional(Path),
    /** Take a backup of this type first; without it the newest existing backup is restored. */
    newBackup: Type.Optional(
      Type.Union([Type.Literal('full'), Type.Literal('diff'), Type.Literal('incr')]),
    ),
    /**
     * Without a target: a restore point the drill creates on the source (needs `database`), and
     * the restored copy is compared with the source as it was at that point; with no database,
     * the end of the newest backup (`immediate`).
     */
    target: Type.Optional(RestoreTarget),
    /** The account owning the data (pgBackRest and the scratch server run as it); the drill runs as root or as it. */
    runAs: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_.-]*$', maxLength: 32 })),
    /** pgbackrest executable. */
    command: Type.String({ minLength: 1, default: 'pgbackrest' }),
    /**
     * postgresql.conf settings of the scratch server, over the restored configuration. The
     * default keeps a scratch copy of a large production server from claiming its memory.
     */
    settings: Type.Record(Type.String({ pattern: '^[a-z_][a-z0-9_.]*$' }), Type.String(), {
      default: { shared_buffers: '128MB' },
    }),
  },
  { additionalProperties: false },
);
export type PgBackRestParamsValue = Static<typeof PgBackRestParams>;

export const DrillRestoreParams = Type.Object(
  {
    method: Type.Union([Type.Literal('pg_dump'), Type.Literal('pgbackrest')], {
      default: 'pg_dump',
    }),
    /** Restore plus verification must finish within this (the plan's RTO). */
    rtoMs: Type.Number({ exclusiveMinimum: 0, maximum: MAX_MS }),
    /** pgbackrest with `database`: WAL written but not yet archived, as time, at most this (the plan's RPO). */
    rpoMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_MS })),
    /** The newest backup may be at most this old: `24h`, `7d`. */
    maxBackupAge: Type.Optional(Type.String({ pattern: DURATION_PATTERN })),
    /**
     * The environment's database (its `name`) to back up and compare with; may be left out when
     * the environment lists exactly one.
     */
    database: Type.Optional(EnvName),
    /** pg_dump: restore this existing custom-format dump (or the newest file in this directory) instead of taking one. */
    backup: Type.Optional(Path),
    /** pg_dump: the environment database whose server gets the scratch database (default: the source's). */
    restoreInto: Type.Optional(EnvName),
    /** pg_dump: `--compress` level; pg_dump's default when omitted. */
    compress: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
    /** Parallel pg_restore jobs, and connections reading checksums. */
    jobs: Type.Integer({ minimum: 1, maximum: 32, default: 2 }),
    /** Directory PostgreSQL's binaries are in (pg_dump, pg_restore, pg_ctl); PATH and Debian's layout otherwise. */
    pgBin: Type.Optional(Path),
    /** Where dumps and scratch data directories go (default: the system's temp directory). */
    workDir: Type.Optional(Path),
    /** The whole drill is stopped (and cleaned up) after this; default 3 × rtoMs, at least 10 minutes. */
    timeoutMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_MS })),
    /** Trusted checkpoint keys of a restored ledger (as `bulwark ledger verify --pubkey`). */
    ledgerPubkey: Type.Optional(Path),
    ledgerOrigin: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    pgbackrest: Type.Optional(PgBackRestParams),
  },
  { additionalProperties: false },
);
export type DrillRestoreParamsValue = Static<typeof DrillRestoreParams>;

/** Deadline of the whole drill when the plan gives none. */
export function drillTimeoutMs(params: DrillRestoreParamsValue): number {
  return params.timeoutMs ?? Math.max(3 * params.rtoMs, 600_000);
}
