import { type Database, MigrationSet, migrateToLatest } from '@bulwark/db';
import { type Kysely, type Selectable, sql } from 'kysely';
import { ConfigRegistryError } from '../errors.js';
import type { AckResult, ConfigVersion } from '../types.js';
import type {
  InstanceRecord,
  PendingEvent,
  RegistryEvent,
  RolloutKind,
  RolloutPhase,
  RolloutRecord,
  RolloutState,
  TargetRecord,
  VersionSummary,
} from './records.js';
import type { StageSize } from './stage-plan.js';
import type { RegistryTables } from './store-tables.js';

/**
 * The registry's migration set (src/migrations, copied into dist by the build). Its name is
 * the package's, as `bulwark db` names a package's set: `config`.
 */
export function configRegistryMigrations(): MigrationSet {
  return MigrationSet.fromDirectory('config', new URL('../migrations/', import.meta.url));
}

/** The feeds whose position the registry keeps. */
export type RegistryFeed = 'acks' | 'presence';

/** A version to store; the store gives it its number. */
export interface NewVersion {
  readonly config: string;
  readonly schemaVersion: number;
  readonly document: Readonly<Record<string, unknown>>;
  readonly digest: string;
  readonly publishedAt: number;
  readonly publishedBy: string;
  readonly message?: string | undefined;
}

/** A rollout to insert, with the instances of every stage. */
export type NewRollout = Omit<RolloutRecord, 'updatedAt' | 'finishedAt' | 'cause'>;

/** Fields of a rollout that change as it runs. */
export type RolloutPatch = Partial<
  Pick<
    RolloutRecord,
    'state' | 'stage' | 'phase' | 'deadline' | 'messageSentAt' | 'finishedAt' | 'cause'
  >
> & { readonly updatedAt: number };

export type TargetPatch = Partial<Omit<TargetRecord, 'rolloutId' | 'instance' | 'stage'>>;

/**
 * The registry's state in PostgreSQL or PGlite (Kysely over @bulwark/db): versions, rollouts
 * with their targets, instances, feed positions and the ledger outbox. Versions are only ever
 * inserted, so history and revert are queries. `transaction(fn)` runs several calls atomically:
 * a rollout's transition, the acknowledgement that caused it, the feed position and the ledger
 * entries it owes commit together or not at all.
 */
export class RegistryStore {
  readonly #db: Kysely<RegistryTables>;
  readonly #inTransaction: boolean;

  constructor(db: Database | Kysely<RegistryTables>, inTransaction = false) {
    this.#db = 'kysely' in db ? (db.kysely as Kysely<RegistryTables>) : db;
    this.#inTransaction = inTransaction;
  }

  /** Applies the migration set `config` (idempotent; under the migrator's lock). */
  static async migrate(db: Database): Promise<void> {
    await migrateToLatest(db, configRegistryMigrations());
  }

  /** Runs `fn` in one transaction (inside one already, in that one). */
  transaction<T>(fn: (store: RegistryStore) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return fn(this);
    return this.#db.transaction().execute((trx) => fn(new RegistryStore(trx, true)));
  }

  // ---- versions -------------------------------------------------------------------------

  /**
   * Stores the config's next version (latest + 1, from 1), serialized per config.
   * `beforeCommit` sees the version with its number and may refuse it by throwing (the ledger's
   * fail-closed record): nothing is stored then.
   */
  publishVersion(
    input: NewVersion,
    beforeCommit?: (version: ConfigVersion) => Promise<void>,
  ): Promise<ConfigVersion> {
    return this.transaction(async (store) => {
      await store.#lock(`config-version:${input.config}`);
      const row = await store.#db
        .selectFrom('config_versions')
        .select((eb) => eb.fn.max('version').as('latest'))
        .where('config', '=', input.config)
        .executeTakeFirst();
      const version = Number(row?.latest ?? 0) + 1;
      const inserted = await store.#db
        .insertInto('config_versions')
        .values({
          config: input.config,
          version,
          schema_version: input.schemaVersion,
          document: jsonb(input.document),
          digest: input.digest,
          published_at: new Date(input.publishedAt),
          published_by: input.publishedBy,
          message: input.message ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const published = versionOf(inserted);
      await beforeCommit?.(published);
      return published;
    });
  }

  async version(config: string, version: number): Promise<ConfigVersion | undefined> {
    const row = await this.#db
      .selectFrom('config_versions')
      .selectAll()
      .where('config', '=', config)
      .where('version', '=', version)
      .executeTakeFirst();
    return row === undefined ? undefined : versionOf(row);
  }

  async latestVersion(config: string): Promise<ConfigVersion | undefined> {
    const row = await this.#db
      .selectFrom('config_versions')
      .selectAll()
      .where('config', '=', config)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : versionOf(row);
  }

  /** Newest first: `limit` versions older than `before` (all when absent). */
  async history(
    config: string,
    page: { readonly limit: number; readonly before?: number | undefined },
  ): Promise<VersionSummary[]> {
    let query = this.#db
      .selectFrom('config_versions')
      .select([
        'config',
        'version',
        'schema_version',
        'digest',
        'published_at',
        'published_by',
        'message',
      ])
      .where('config', '=', config);
    if (page.before !== undefined) query = query.where('version', '<', page.before);
    const rows = await query.orderBy('version', 'desc').limit(page.limit).execute();
    return rows.map((row) => ({
      config: row.config,
      version: row.version,
      schemaVersion: row.schema_version,
      digest: row.digest,
      publishedAt: row.published_at.toISOString(),
      publishedBy: row.published_by,
      ...(row.message === null ? {} : { message: row.message }),
    }));
  }

  /** Every config with a version, each with its latest version number. */
  async latestVersions(): Promise<Map<string, number>> {
    const rows = await this.#db
      .selectFrom('config_versions')
      .select(['config', (eb) => eb.fn.max('version').as('latest')])
      .groupBy('config')
      .execute();
    return new Map(rows.map((row) => [row.config, Number(row.latest)]));
  }

  // ---- rollouts -------------------------------------------------------------------------

  /**
   * Inserts a rollout and its targets, or CONFIG_ROLLOUT_CONFLICT naming the one that runs.
   * Serialized per config; the partial unique index backs it up across registry processes.
   */
  createRollout(
    rollout: NewRollout,
    beforeCommit?: (rollout: RolloutRecord) => Promise<void>,
  ): Promise<RolloutRecord> {
    return this.transaction(async (store) => {
      await store.#lock(`config-rollout:${rollout.config}`);
      const running = await store.activeRollout(rollout.config);
      if (running !== undefined) throw conflict(running);
      const row = await store.#db
        .insertInto('config_rollouts')
        .values({
          id: rollout.id,
          config: rollout.config,
          kind: rollout.kind,
          from_version: rollout.fromVersion,
          to_version: rollout.toVersion,
          state: rollout.state,
          stage: rollout.stage,
          phase: rollout.phase,
          stage_plan: jsonb(rollout.stagePlan),
          stages: jsonb(rollout.stages),
          bake_ms: rollout.bakeMs,
          ack_timeout_ms: rollout.ackTimeoutMs,
          health_interval_ms: rollout.healthIntervalMs,
          deadline: dateOrNull(rollout.deadline),
          message_sent_at: dateOrNull(rollout.messageSentAt),
          started_at: new Date(rollout.startedAt),
          updated_at: new Date(rollout.startedAt),
          finished_at: null,
          started_by: rollout.startedBy,
          reason: rollout.reason,
          cause: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const targets = rollout.stages.flatMap((instances, stage) =>
        instances.map((instance) => ({ rollout_id: rollout.id, instance, stage })),
      );
      if (targets.length > 0) {
        await store.#db.insertInto('config_rollout_targets').values(targets).execute();
      }
      const created = rolloutOf(row);
      await beforeCommit?.(created);
      return created;
    });
  }

  /** The newest rollout of every config that has one. */
  async latestRollouts(): Promise<RolloutRecord[]> {
    const rows = await this.#db
      .selectFrom('config_rollouts')
      .selectAll()
      .distinctOn('config')
      .orderBy('config')
      .orderBy('seq', 'desc')
      .execute();
    return rows.map(rolloutOf);
  }

  /** For every config with a completed rollout, the version it left the instances on. */
  async currentVersions(): Promise<Map<string, number>> {
    const rows = await this.#db
      .selectFrom('config_rollouts')
      .select(['config', 'to_version'])
      .distinctOn('config')
      .where('state', '=', 'completed')
      .orderBy('config')
      .orderBy('seq', 'desc')
      .execute();
    return new Map(rows.map((row) => [row.config, row.to_version]));
  }

  async rollout(id: string): Promise<RolloutRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.#db
      .selectFrom('config_rollouts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rolloutOf(row);
  }

  /** The running or reverting rollout of a config. */
  async activeRollout(config: string): Promise<RolloutRecord | undefined> {
    const row = await this.#db
      .selectFrom('config_rollouts')
      .selectAll()
      .where('config', '=', config)
      .where('state', 'in', ['running', 'reverting'])
      .executeTakeFirst();
    return row === undefined ? undefined : rolloutOf(row);
  }

  /** Every running or reverting rollout, of every config. */
  async activeRollouts(): Promise<RolloutRecord[]> {
    const rows = await this.#db
      .selectFrom('config_rollouts')
      .selectAll()
      .where('state', 'in', ['running', 'reverting'])
      .orderBy('seq')
      .execute();
    return rows.map(rolloutOf);
  }

  /** A config's rollouts, newest first. */
  async rollouts(config: string, limit: number): Promise<RolloutRecord[]> {
    const rows = await this.#db
      .selectFrom('config_rollouts')
      .selectAll()
      .where('config', '=', config)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map(rolloutOf);
  }

  /**
   * The version a config's instances are meant to run: the target of its latest completed
   * rollout, else 0 (none yet: each runs its files and environment).
   */
  async currentVersion(config: string): Promise<number> {
    const row = await this.#db
      .selectFrom('config_rollouts')
      .select('to_version')
      .where('config', '=', config)
      .where('state', '=', 'completed')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.to_version ?? 0;
  }

  async updateRollout(id: string, patch: RolloutPatch): Promise<RolloutRecord> {
    const row = await this.#db
      .updateTable('config_rollouts')
      .set({
        updated_at: new Date(patch.updatedAt),
        ...(patch.state === undefined ? {} : { state: patch.state }),
        ...(patch.stage === undefined ? {} : { stage: patch.stage }),
        ...(patch.phase === undefined ? {} : { phase: patch.phase }),
        ...(patch.deadline === undefined ? {} : { deadline: dateOrNull(patch.deadline) }),
        ...(patch.messageSentAt === undefined
          ? {}
          : { message_sent_at: dateOrNull(patch.messageSentAt) }),
        ...(patch.finishedAt === undefined ? {} : { finished_at: dateOrNull(patch.finishedAt) }),
        ...(patch.cause === undefined ? {} : { cause: patch.cause }),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return rolloutOf(row);
  }

  async targets(rolloutId: string): Promise<TargetRecord[]> {
    const rows = await this.#db
      .selectFrom('config_rollout_targets')
      .selectAll()
      .where('rollout_id', '=', rolloutId)
      .orderBy('stage')
      .orderBy('instance')
      .execute();
    return rows.map(targetOf);
  }

  async target(rolloutId: string, instance: string): Promise<TargetRecord | undefined> {
    const row = await this.#db
      .selectFrom('config_rollout_targets')
      .selectAll()
      .where('rollout_id', '=', rolloutId)
      .where('instance', '=', instance)
      .executeTakeFirst();
    return row === undefined ? undefined : targetOf(row);
  }

  async updateTarget(rolloutId: string, instance: string, patch: TargetPatch): Promise<void> {
    const set: Partial<Selectable<RegistryTables['config_rollout_targets']>> = {};
    if (patch.ackResult !== undefined) set.ack_result = patch.ackResult;
    if (patch.ackReason !== undefined) set.ack_reason = patch.ackReason;
    if (patch.ackedAt !== undefined) set.acked_at = dateOrNull(patch.ackedAt);
    if (patch.confirmedAt !== undefined) set.confirmed_at = dateOrNull(patch.confirmedAt);
    if (patch.revertResult !== undefined) set.revert_result = patch.revertResult;
    if (patch.revertReason !== undefined) set.revert_reason = patch.revertReason;
    if (patch.revertedAt !== undefined) set.reverted_at = dateOrNull(patch.revertedAt);
    if (patch.revertConfirmedAt !== undefined) {
      set.revert_confirmed_at = dateOrNull(patch.revertConfirmedAt);
    }
    if (Object.keys(set).length === 0) return;
    await this.#db
      .updateTable('config_rollout_targets')
      .set(set)
      .where('rollout_id', '=', rolloutId)
      .where('instance', '=', instance)
      .execute();
  }

  // ---- instances ------------------------------------------------------------------------

  async instances(config: string): Promise<InstanceRecord[]> {
    const rows = await this.#db
      .selectFrom('config_instances')
      .selectAll()
      .where('config', '=', config)
      .orderBy('instance')
      .execute();
    return rows.map(instanceOf);
  }

  async allInstances(): Promise<InstanceRecord[]> {
    const rows = await this.#db
      .selectFrom('config_instances')
      .selectAll()
      .orderBy('config')
      .orderBy('instance')
      .execute();
    return rows.map(instanceOf);
  }

  async instance(config: string, instance: string): Promise<InstanceRecord | undefined> {
    const row = await this.#db
      .selectFrom('config_instances')
      .selectAll()
      .where('config', '=', config)
      .where('instance', '=', instance)
      .executeTakeFirst();
    return row === undefined ? undefined : instanceOf(row);
  }

  /**
   * Records what an instance reported. The version (and health URL) change only when the report
   * is not older, by the instance's own clock, than the one stored: a presence or an ack that
   * the transport delivers late (or again) never takes an instance back. `lastSeen` always moves.
   * Returns the instance as stored afterwards.
   */
  async recordReport(report: {
    readonly config: string;
    readonly instance: string;
    readonly version: number;
    readonly reportedAt: number;
    readonly seenAt: number;
    /** undefined: keep the stored one (acks carry none). */
    readonly healthUrl?: string | null | undefined;
  }): Promise<InstanceRecord> {
    const existing = await this.instance(report.config, report.instance);
    if (existing === undefined) {
      const row = await this.#db
        .insertInto('config_instances')
        .values({
          config: report.config,
          instance: report.instance,
          version: report.version,
          health_url: report.healthUrl ?? null,
          reported_at: new Date(report.reportedAt),
          last_seen: new Date(report.seenAt),
        })
        .onConflict((oc) => oc.columns(['config', 'instance']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) return instanceOf(row);
      // Inserted by another registry process in between: take the update path.
      return this.recordReport(report);
    }
    const newer = report.reportedAt >= existing.reportedAt;
    const row = await this.#db
      .updateTable('config_instances')
      .set({
        last_seen: new Date(Math.max(report.seenAt, existing.lastSeen)),
        ...(newer
          ? {
              version: report.version,
              reported_at: new Date(report.reportedAt),
              ...(report.healthUrl === undefined ? {} : { health_url: report.healthUrl }),
            }
          : {}),
      })
      .where('config', '=', report.config)
      .where('instance', '=', report.instance)
      .returningAll()
      .executeTakeFirstOrThrow();
    return instanceOf(row);
  }

  /** Forgets an instance (scaled away for good); true when there was one. */
  async forgetInstance(config: string, instance: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('config_instances')
      .where('config', '=', config)
      .where('instance', '=', instance)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // ---- feeds and outbox -----------------------------------------------------------------

  async feedPosition(feed: RegistryFeed): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('config_registry_feeds')
      .select('seq')
      .where('feed', '=', feed)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.seq);
  }

  /** Moves a feed's position forward (never back: a redelivered message keeps it). */
  async setFeedPosition(feed: RegistryFeed, seq: number): Promise<void> {
    await this.#db
      .insertInto('config_registry_feeds')
      .values({ feed, seq: String(seq) })
      .onConflict((oc) =>
        oc.column('feed').doUpdateSet({
          seq: sql`GREATEST(config_registry_feeds.seq, excluded.seq)`,
        }),
      )
      .execute();
  }

  async appendEvents(events: readonly RegistryEvent[], at: number): Promise<void> {
    if (events.length === 0) return;
    await this.#db
      .insertInto('config_registry_ledger_outbox')
      .values(
        events.map((event) => ({
          kind: event.kind,
          actor: event.actor,
          payload: jsonb(event.payload),
          created_at: new Date(at),
        })),
      )
      .execute();
  }

  /** The oldest events still to send, in the order they were written. */
  async pendingEvents(limit: number): Promise<PendingEvent[]> {
    const rows = await this.#db
      .selectFrom('config_registry_ledger_outbox')
      .selectAll()
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: String(row.id),
      kind: row.kind,
      actor: row.actor,
      payload: row.payload as Record<string, unknown>,
    }));
  }

  async deleteEvents(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#db.deleteFrom('config_registry_ledger_outbox').where('id', 'in', ids).execute();
  }

  /** A transaction-scoped advisory lock on a name (both stores support it). */
  async #lock(name: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${name}))`.execute(this.#db);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function conflict(running: RolloutRecord): ConfigRegistryError {
  return new ConfigRegistryError(
    'CONFIG_ROLLOUT_CONFLICT',
    `config ${running.config} has a rollout ${running.state} (${running.id}, v${running.fromVersion} → v${running.toVersion}): one at a time`,
  );
}

/** A value for a jsonb column: its JSON text, cast (pg would send a JS array as a SQL array). */
function jsonb(value: unknown) {
  return sql`${JSON.stringify(value)}::jsonb`;
}

function dateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function msOrNull(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

function versionOf(row: Selectable<RegistryTables['config_versions']>): ConfigVersion {
  return {
    config: row.config,
    version: row.version,
    schemaVersion: row.schema_version,
    document: row.document as Record<string, unknown>,
    digest: row.digest,
    publishedAt: row.published_at.toISOString(),
    publishedBy: row.published_by,
    ...(row.message === null ? {} : { message: row.message }),
  };
}

function rolloutOf(row: Selectable<RegistryTables['config_rollouts']>): RolloutRecord {
  return {
    id: row.id,
    config: row.config,
    kind: row.kind as RolloutKind,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    state: row.state as RolloutState,
    stage: row.stage,
    phase: row.phase as RolloutPhase,
    stagePlan: row.stage_plan as StageSize[],
    stages: row.stages as string[][],
    bakeMs: row.bake_ms,
    ackTimeoutMs: row.ack_timeout_ms,
    healthIntervalMs: row.health_interval_ms,
    deadline: msOrNull(row.deadline),
    messageSentAt: msOrNull(row.message_sent_at),
    startedAt: row.started_at.getTime(),
    updatedAt: row.updated_at.getTime(),
    finishedAt: msOrNull(row.finished_at),
    startedBy: row.started_by,
    reason: row.reason,
    cause: row.cause,
  };
}

function targetOf(row: Selectable<RegistryTables['config_rollout_targets']>): TargetRecord {
  return {
    rolloutId: row.rollout_id,
    instance: row.instance,
    stage: row.stage,
    ackResult: row.ack_result as AckResult | null,
    ackReason: row.ack_reason,
    ackedAt: msOrNull(row.acked_at),
    confirmedAt: msOrNull(row.confirmed_at),
    revertResult: row.revert_result as AckResult | null,
    revertReason: row.revert_reason,
    revertedAt: msOrNull(row.reverted_at),
    revertConfirmedAt: msOrNull(row.revert_confirmed_at),
  };
}

function instanceOf(row: Selectable<RegistryTables['config_instances']>): InstanceRecord {
  return {
    config: row.config,
    instance: row.instance,
    version: row.version,
    healthUrl: row.health_url,
    reportedAt: row.reported_at.getTime(),
    lastSeen: row.last_seen.getTime(),
  };
}
