import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { applyCompression, type CompressionSettings } from './compression.js';
import { goldenQueries } from './golden-queries.js';
import { probe, type RecallProbe, recallAgainstBefore, recallOf } from './recall.js';
import { applyRetention } from './retention.js';
import type { MemoryStore } from './store.js';
import type {
  JobOutcome,
  JobRun,
  MemoryJobName,
  MemoryJobsStatus,
  RetentionPolicy,
} from './types.js';

export interface RecallGuardSettings {
  /** Roll back when recall@k after the change is below this (default 0.9). */
  minRecall: number;
  /** Also roll back when recall falls by more than this (default 0.05; null: no such rule). */
  maxRecallDrop: number | null;
  /** k of recall@k (default 10). */
  k: number;
  /** Golden queries sampled from the namespace when none are configured (default 50). */
  sampleSize: number;
}

export interface MemoryJobsOptions {
  guard?: Partial<RecallGuardSettings>;
  compression?: Partial<CompressionSettings>;
  /** VACUUM after a retention run that forgot rows, purging old row versions (default true). */
  vacuumAfterRetention?: boolean;
  /** The clock retention's max age is measured against (tests pass a fixed one). */
  now?: () => Date;
}

export const DEFAULT_GUARD: RecallGuardSettings = {
  minRecall: 0.9,
  maxRecallDrop: 0.05,
  k: 10,
  sampleSize: 50,
};

export const DEFAULT_COMPRESSION: CompressionSettings = {
  threshold: 0.95,
  maxClusterSize: 32,
  maxRowsPerSubject: 5000,
};

/** Thrown inside a job's transaction to roll it back; carries the run's figures out. */
class GuardRollback extends Error {
  constructor(
    readonly reason: string,
    readonly recallBefore: number | null,
    readonly recallAfter: number | null,
    readonly affected: number,
    readonly details: Record<string, unknown>,
  ) {
    super(reason);
  }
}

interface Applied {
  affected: number;
  details: Record<string, unknown>;
  /** For compression: original → merged, so recall after is measured against before. */
  mergedInto?: Map<string, string>;
}

const OUTCOMES: JobOutcome[] = ['committed', 'rolled_back', 'failed', 'skipped'];
const JOBS: MemoryJobName[] = ['retention', 'compression'];

/** Advisory lock keys: one run of a job at a time across every process on the database. */
const LOCK_KEY: Record<MemoryJobName, number> = { retention: 0x6d656d01, compression: 0x6d656d02 };

/**
 * Retention and compression, each guarded by recall: per namespace, in ONE transaction, measure
 * recall@k of the golden queries (served index search vs exact), apply the change, measure
 * again, and roll back with the reason when recall falls below the threshold or drops too far.
 * Every run, committed or not, is recorded in memory_job_runs.
 */
export class MemoryJobs {
  readonly store: MemoryStore;
  readonly guard: RecallGuardSettings;
  readonly compression: CompressionSettings;
  readonly #vacuum: boolean;
  readonly #now: () => Date;
  readonly #running = new Set<MemoryJobName>();

  constructor(store: MemoryStore, options: MemoryJobsOptions = {}) {
    this.store = store;
    this.guard = { ...DEFAULT_GUARD, ...options.guard };
    this.compression = { ...DEFAULT_COMPRESSION, ...options.compression };
    this.#vacuum = options.vacuumAfterRetention ?? true;
    this.#now = options.now ?? (() => new Date());
  }

  get #kysely(): Kysely<unknown> {
    return this.store.db.kysely as Kysely<unknown>;
  }

  /** Runs a job now over every namespace it applies to; one JobRun per namespace. */
  run(job: MemoryJobName): Promise<JobRun[]> {
    if (job === 'retention') return this.runRetention();
    if (job === 'compression') return this.runCompression();
    return Promise.reject(new Error(`unknown memory job ${String(job)}`));
  }

  /** Applies every namespace's retention policy (namespaces under legal hold are skipped). */
  async runRetention(): Promise<JobRun[]> {
    return this.#exclusive('retention', async () => {
      const runs: JobRun[] = [];
      for (const policy of await this.store.retentionPolicies()) {
        if (policy.legalHold) {
          runs.push(
            await this.#record(skipped('retention', policy.namespace, this.guard, 'legal hold')),
          );
          continue;
        }
        runs.push(
          await this.#guarded('retention', policy.namespace, (trx) => this.#retain(trx, policy)),
        );
      }
      if (this.#vacuum && runs.some((r) => r.outcome === 'committed' && r.affectedRows > 0)) {
        await this.store.vacuum();
      }
      return runs;
    });
  }

  /** Compresses every namespace that has live memories, or only the ones given. */
  async runCompression(namespaces?: readonly string[]): Promise<JobRun[]> {
    return this.#exclusive('compression', async () => {
      const runs: JobRun[] = [];
      for (const namespace of namespaces ?? (await this.store.namespaces())) {
        runs.push(
          await this.#guarded('compression', namespace, async (trx, runId) => {
            const mergedInto = await applyCompression(trx, namespace, runId, this.compression);
            const merged = new Set(mergedInto.values()).size;
            return {
              affected: mergedInto.size,
              mergedInto,
              details: {
                merged,
                originals: mergedInto.size,
                threshold: this.compression.threshold,
              },
            };
          }),
        );
      }
      return runs;
    });
  }

  async #retain(trx: Kysely<unknown>, policy: RetentionPolicy): Promise<Applied> {
    const forgotten = await applyRetention(trx, policy, this.#now());
    return {
      affected: forgotten.maxAge + forgotten.maxCount,
      details: { forgotten, policy },
    };
  }

  async #exclusive(job: MemoryJobName, fn: () => Promise<JobRun[]>): Promise<JobRun[]> {
    if (this.#running.has(job)) {
      return [
        await this.#record(skipped(job, null, this.guard, 'a run of this job is in progress')),
      ];
    }
    this.#running.add(job);
    try {
      return await fn();
    } finally {
      this.#running.delete(job);
    }
  }

  /** One namespace, one transaction: lock, golden queries, recall before, change, recall after. */
  async #guarded(
    job: MemoryJobName,
    namespace: string,
    apply: (trx: Kysely<unknown>, runId: string) => Promise<Applied>,
  ): Promise<JobRun> {
    const id = randomUUID();
    const startedAt = new Date();
    const base = { id, job, namespace, startedAt, threshold: this.guard.minRecall };
    try {
      const done = await this.#kysely.transaction().execute(async (trx) => {
        const { rows } = await sql<{ locked: boolean }>`
          SELECT pg_try_advisory_xact_lock(${LOCK_KEY[job]}) AS locked`.execute(trx);
        if (!rows[0]?.locked) return null;
        const golden = await goldenQueries(trx, namespace, this.guard.sampleSize);
        const before = await this.#measure(trx, namespace, golden.vectors);
        const recallBefore = recallOf(before);
        const applied = await apply(trx, id);
        const after = await this.#measure(trx, namespace, golden.vectors);
        const recallAfter = applied.mergedInto
          ? recallAgainstBefore(before, after, applied.mergedInto)
          : recallOf(after);
        const details = {
          ...applied.details,
          goldenQueries: { source: golden.source, count: golden.vectors.length },
          k: this.guard.k,
          maxRecallDrop: this.guard.maxRecallDrop,
        };
        const reason = this.#verdict(recallBefore, recallAfter);
        if (reason) {
          throw new GuardRollback(reason, recallBefore, recallAfter, applied.affected, details);
        }
        return { recallBefore, recallAfter, affected: applied.affected, details };
      });
      if (!done) {
        return this.#record({
          ...base,
          finishedAt: new Date(),
          outcome: 'skipped',
          recallBefore: null,
          recallAfter: null,
          affectedRows: 0,
          reason: 'another process holds this job’s lock',
          details: {},
        });
      }
      return this.#record({
        ...base,
        finishedAt: new Date(),
        outcome: 'committed',
        recallBefore: done.recallBefore,
        recallAfter: done.recallAfter,
        affectedRows: done.affected,
        reason: null,
        details: done.details,
      });
    } catch (error) {
      if (error instanceof GuardRollback) {
        return this.#record({
          ...base,
          finishedAt: new Date(),
          outcome: 'rolled_back',
          recallBefore: error.recallBefore,
          recallAfter: error.recallAfter,
          // What the change would have touched; none of it was kept.
          affectedRows: 0,
          reason: error.reason,
          details: { ...error.details, wouldHaveAffected: error.affected },
        });
      }
      return this.#record({
        ...base,
        finishedAt: new Date(),
        outcome: 'failed',
        recallBefore: null,
        recallAfter: null,
        affectedRows: 0,
        reason: error instanceof Error ? error.message : String(error),
        details: {},
      });
    }
  }

  async #measure(
    trx: Kysely<unknown>,
    namespace: string,
    vectors: string[],
  ): Promise<RecallProbe[]> {
    const out: RecallProbe[] = [];
    for (const v of vectors) {
      out.push(await probe(trx, v, namespace, this.guard.k, this.store.searchSettings));
    }
    return out;
  }

  /** Why the change must not stand, or null when it may. */
  #verdict(before: number | null, after: number | null): string | null {
    if (after === null) return null; // nothing left to query: nothing to protect
    const fmt = (x: number) => x.toFixed(3);
    if (after < this.guard.minRecall) {
      return `recall@${this.guard.k} after the change ${fmt(after)} is below the threshold ${fmt(this.guard.minRecall)}${before === null ? '' : ` (before: ${fmt(before)})`}`;
    }
    if (
      before !== null &&
      this.guard.maxRecallDrop !== null &&
      before - after > this.guard.maxRecallDrop
    ) {
      return `recall@${this.guard.k} fell from ${fmt(before)} to ${fmt(after)}, more than the allowed drop ${fmt(this.guard.maxRecallDrop)}`;
    }
    return null;
  }

  async #record(run: JobRun): Promise<JobRun> {
    await sql`
      INSERT INTO memory_job_runs (id, job, namespace, started_at, finished_at, outcome,
        recall_before, recall_after, threshold, affected_rows, reason, details)
      VALUES (${run.id}::uuid, ${run.job}, ${run.namespace}, ${run.startedAt}, ${run.finishedAt},
        ${run.outcome}, ${run.recallBefore}, ${run.recallAfter}, ${run.threshold},
        ${run.affectedRows}, ${run.reason}, ${JSON.stringify(run.details)}::jsonb)`.execute(
      this.#kysely,
    );
    return run;
  }

  /** The most recent runs, newest first (optionally of one job). */
  async runs(options: { job?: MemoryJobName; limit?: number } = {}): Promise<JobRun[]> {
    const where = options.job ? sql`WHERE job = ${options.job}` : sql``;
    const { rows } = await sql<JobRunRow>`
      SELECT * FROM memory_job_runs ${where}
      ORDER BY started_at DESC, finished_at DESC LIMIT ${options.limit ?? 50}`.execute(
      this.#kysely,
    );
    return rows.map(toJobRun);
  }

  /** The plain object /health and the metrics read: last run per job, recall, count, growth. */
  async status(): Promise<MemoryJobsStatus> {
    const { rows: last } = await sql<JobRunRow>`
      SELECT DISTINCT ON (job) * FROM memory_job_runs
      ORDER BY job, started_at DESC, finished_at DESC`.execute(this.#kysely);
    const { rows: counts } = await sql<{
      job: MemoryJobName;
      outcome: JobOutcome;
      n: string | number;
    }>`
      SELECT job, outcome, count(*) AS n FROM memory_job_runs GROUP BY job, outcome`.execute(
      this.#kysely,
    );
    const jobs = {} as MemoryJobsStatus['jobs'];
    for (const job of JOBS) {
      const row = last.find((r) => r.job === job);
      const runs = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<JobOutcome, number>;
      for (const c of counts) if (c.job === job) runs[c.outcome] = Number(c.n);
      jobs[job] = { lastRun: row ? toJobRun(row) : null, running: this.#running.has(job), runs };
    }
    return { jobs, memories: await this.store.stats() };
  }
}

function skipped(
  job: MemoryJobName,
  namespace: string | null,
  guard: RecallGuardSettings,
  reason: string,
): JobRun {
  const now = new Date();
  return {
    id: randomUUID(),
    job,
    namespace,
    startedAt: now,
    finishedAt: now,
    outcome: 'skipped',
    recallBefore: null,
    recallAfter: null,
    threshold: guard.minRecall,
    affectedRows: 0,
    reason,
    details: {},
  };
}

interface JobRunRow {
  id: string;
  job: MemoryJobName;
  namespace: string | null;
  started_at: Date | string;
  finished_at: Date | string;
  outcome: JobOutcome;
  recall_before: number | string | null;
  recall_after: number | string | null;
  threshold: number | string;
  affected_rows: number | string;
  reason: string | null;
  details: unknown;
}

const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

function toJobRun(row: JobRunRow): JobRun {
  return {
    id: row.id,
    job: row.job,
    namespace: row.namespace,
    startedAt: new Date(row.started_at),
    finishedAt: new Date(row.finished_at),
    outcome: row.outcome,
    recallBefore: numOrNull(row.recall_before),
    recallAfter: numOrNull(row.recall_after),
    threshold: Number(row.threshold),
    affectedRows: Number(row.affected_rows),
    reason: row.reason,
    details: (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<
      string,
      unknown
    >,
  };
}
