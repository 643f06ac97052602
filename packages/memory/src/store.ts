import { randomUUID } from 'node:crypto';
import type { Database } from '@bulwark/db';
import { type Kysely, sql } from 'kysely';
import { contentDigest } from './content-digest.js';
import type { EmbeddingProvider } from './embeddings/provider.js';
import {
  MemoryConflictError,
  MemoryInputError,
  MemoryLegalHoldError,
  MemoryNoEmbeddingsError,
  MemoryNotFoundError,
} from './errors.js';
import { type MemoryRow, memoryColumns, toMemory } from './memory-row.js';
import { exactSearch, indexSearch, type SearchRow, type SearchSettings } from './search-sql.js';
import type {
  ForgetResult,
  Memory,
  MemoryFilter,
  MemoryInput,
  MemoryStats,
  RetentionPolicy,
  SearchHit,
  SearchRequest,
  SearchResult,
  SupersedeInput,
  SupersedeResult,
  VectorInput,
  WrittenMemory,
} from './types.js';
import { vectorText } from './vector-text.js';

export interface MemoryStoreOptions {
  /** Embeds `search({ text })`; without one, text search fails with BW_MEMORY_NO_EMBEDDINGS. */
  embeddings?: EmbeddingProvider;
  /** Index search settings (defaults: ef_search 100, relaxed_order, max_scan_tuples 20000). */
  search?: Partial<SearchSettings>;
  /** Largest batch writeBatch accepts (default 1000). */
  maxBatch?: number;
}

export const DEFAULT_SEARCH_SETTINGS: SearchSettings = {
  efSearch: 100,
  iterativeScan: 'relaxed_order',
  maxScanTuples: 20_000,
};

const MAX_K = 1000;
/** Anything that runs SQL: the database's Kysely or one of its transactions. */
type Executor = Kysely<unknown>;

function checkText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new MemoryInputError(`${what} must be a string of 1 to ${max} characters`);
  }
  return value;
}

function checkDate(value: unknown, what: string): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new MemoryInputError(`${what} must be a valid Date`);
  }
  return value;
}

function checkMetadata(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MemoryInputError(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function checkFilter(filter: MemoryFilter): void {
  if (filter.namespace !== undefined) checkText(filter.namespace, 'namespace', 200);
  if (filter.subject !== undefined) checkText(filter.subject, 'subject', 500);
  checkDate(filter.validAt, 'validAt');
  checkDate(filter.asOf, 'asOf');
}

interface PreparedRow {
  id: string;
  namespace: string;
  subject: string;
  content: string;
  digest: string;
  embedding: string;
  metadata: string;
  validFrom: Date | null;
  validTo: Date | null;
}

function prepare(input: MemoryInput, index: number): PreparedRow {
  const at = `memories[${index}]`;
  if (input === null || typeof input !== 'object')
    throw new MemoryInputError(`${at} is not an object`);
  const content = input.content;
  if (typeof content !== 'string') throw new MemoryInputError(`${at}.content must be a string`);
  const validFrom = checkDate(input.validFrom, `${at}.validFrom`) ?? null;
  const validTo =
    input.validTo === null ? null : (checkDate(input.validTo, `${at}.validTo`) ?? null);
  if (validFrom && validTo && validTo < validFrom) {
    throw new MemoryInputError(`${at}.validTo is before its validFrom`);
  }
  return {
    id: randomUUID(),
    namespace: checkText(input.namespace, `${at}.namespace`, 200),
    subject: checkText(input.subject, `${at}.subject`, 500),
    content,
    digest: contentDigest(content),
    embedding: vectorText(input.embedding, `${at}.embedding`),
    metadata: JSON.stringify(checkMetadata(input.metadata, `${at}.metadata`)),
    validFrom,
    validTo,
  };
}

/** Inserts prepared rows in one statement; recorded_at is the transaction's time for all. */
async function insertRows(
  executor: Executor,
  rows: PreparedRow[],
  provenance?: string,
): Promise<WrittenMemory[]> {
  if (rows.length === 0) return [];
  const values = rows.map(
    (r) => sql`(${r.id}::uuid, ${r.namespace}, ${r.subject}, ${r.content}, ${r.digest},
      ${r.embedding}::vector, ${r.metadata}::jsonb, ${provenance ?? null}::jsonb,
      COALESCE(${r.validFrom}::timestamptz, now()), ${r.validTo}::timestamptz, now())`,
  );
  const { rows: written } = await sql<{ id: string; content_digest: string; recorded_at: Date }>`
    INSERT INTO memories (id, namespace, subject, content, content_digest, embedding, metadata,
      provenance, valid_from, valid_to, recorded_at)
    VALUES ${sql.join(values)}
    RETURNING id, content_digest, recorded_at`.execute(executor);
  const byId = new Map(written.map((w) => [w.id, w]));
  return rows.map((r) => {
    const w = byId.get(r.id);
    if (!w) throw new Error(`insert returned no row for ${r.id}`);
    return { id: w.id, contentDigest: w.content_digest, recordedAt: new Date(w.recorded_at) };
  });
}

const toHit = (row: SearchRow): SearchHit => {
  const distance = Number(row.distance);
  return { memory: toMemory(row), distance, similarity: 1 - distance };
};

/**
 * Agent memory over a @bulwark/db Database (opened with extensions ['vector'] and migrated with
 * migrateMemory). Bi-temporal rows: superseding closes a row, forgetting deletes its content
 * and embedding and keeps a tombstone with the digest.
 */
export class MemoryStore {
  readonly db: Database;
  readonly embeddings: EmbeddingProvider | undefined;
  readonly searchSettings: SearchSettings;
  readonly maxBatch: number;

  constructor(db: Database, options: MemoryStoreOptions = {}) {
    this.db = db;
    this.embeddings = options.embeddings;
    this.searchSettings = checkSettings({ ...DEFAULT_SEARCH_SETTINGS, ...options.search });
    this.maxBatch = options.maxBatch ?? 1000;
  }

  get #kysely(): Executor {
    return this.db.kysely as Kysely<unknown>;
  }

  /** Writes the batch in one transaction: all rows or none. Ids and digests in input order. */
  async writeBatch(inputs: readonly MemoryInput[]): Promise<WrittenMemory[]> {
    if (!Array.isArray(inputs)) throw new MemoryInputError('memories must be an array');
    if (inputs.length > this.maxBatch) {
      throw new MemoryInputError(`a batch holds at most ${this.maxBatch} memories`);
    }
    const rows = inputs.map(prepare);
    if (rows.length === 0) return [];
    return this.#kysely.transaction().execute((trx) => insertRows(trx, rows));
  }

  /** One memory by id (tombstones included), or undefined. */
  async get(id: string, options: { withEmbedding?: boolean } = {}): Promise<Memory | undefined> {
    if (!isUuid(id)) return undefined;
    const { rows } = await sql<MemoryRow>`
      SELECT ${memoryColumns(options.withEmbedding ?? false)} FROM memories m
      WHERE m.id = ${id}::uuid`.execute(this.#kysely);
    return rows[0] ? toMemory(rows[0]) : undefined;
  }

  /** The vector a request searches with: its own, or its text embedded by the provider. */
  async queryVector(request: Pick<SearchRequest, 'vector' | 'text'>): Promise<string> {
    if (request.vector !== undefined) return vectorText(request.vector, 'vector');
    if (typeof request.text !== 'string' || request.text.length === 0) {
      throw new MemoryInputError('a search needs a vector or a non-empty text');
    }
    if (!this.embeddings) throw new MemoryNoEmbeddingsError();
    const [vector] = await this.embeddings.embed([request.text]);
    if (!vector) throw new MemoryInputError('the embedding provider returned no vector');
    return vectorText(vector, `${this.embeddings.id} embedding`);
  }

  /**
   * The k nearest rows that pass the filters (cosine distance). The index search runs with
   * pgvector's iterative scan; when it still returns fewer than k rows, the exact scan answers,
   * so k rows come back whenever k match.
   */
  async search(request: SearchRequest): Promise<SearchResult> {
    const k = request.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
      throw new MemoryInputError(`k must be an integer from 1 to ${MAX_K}`);
    }
    checkFilter(request);
    const query = await this.queryVector(request);
    return this.#kysely.transaction().execute(async (trx) => {
      if (request.exact) {
        return { hits: (await exactSearch(trx, query, request, k)).map(toHit), strategy: 'exact' };
      }
      const served = await indexSearch(trx, query, request, k, this.searchSettings);
      if (served.length >= k) return { hits: served.map(toHit), strategy: 'index' };
      const exact = await exactSearch(trx, query, request, k);
      return exact.length > served.length
        ? { hits: exact.map(toHit), strategy: 'index+exact' }
        : { hits: served.map(toHit), strategy: 'index' };
    });
  }

  /**
   * Closes `id` and writes its replacement in one transaction: the old row gets valid_to (the
   * new fact's validFrom), superseded_at and superseded_by; nothing is deleted.
   */
  async supersede(id: string, input: SupersedeInput): Promise<SupersedeResult> {
    if (!isUuid(id)) throw new MemoryNotFoundError(String(id));
    return this.#kysely.transaction().execute(async (trx) => {
      const { rows } = await sql<MemoryRow>`
        SELECT ${memoryColumns(false)} FROM memories m WHERE m.id = ${id}::uuid FOR UPDATE`.execute(
        trx,
      );
      const row = rows[0];
      if (!row) throw new MemoryNotFoundError(id);
      const old = toMemory(row);
      if (old.forgottenAt) throw new MemoryConflictError(`memory ${id} was forgotten`);
      if (old.supersededAt) {
        throw new MemoryConflictError(`memory ${id} was already superseded by ${old.supersededBy}`);
      }
      const [prepared] = [
        prepare(
          {
            namespace: old.namespace,
            subject: input.subject ?? old.subject,
            content: input.content,
            embedding: input.embedding,
            validFrom: input.validFrom,
            validTo: input.validTo,
            metadata: input.metadata,
          },
          0,
        ),
      ];
      if (!prepared) throw new Error('unreachable');
      const [written] = await insertRows(trx, [prepared]);
      if (!written) throw new Error('insert returned nothing');
      const { rows: closed } = await sql<MemoryRow>`
        UPDATE memories m SET
          valid_to = GREATEST(m.valid_from,
            LEAST(COALESCE(m.valid_to, 'infinity'::timestamptz), n.valid_from)),
          superseded_at = now(), superseded_by = n.id
        FROM memories n
        WHERE m.id = ${id}::uuid AND n.id = ${written.id}::uuid
        RETURNING ${memoryColumns(false)}`.execute(trx);
      if (!closed[0]) throw new Error('supersede updated nothing');
      return { closed: toMemory(closed[0]), written };
    });
  }

  /**
   * Deletes the content, embedding and metadata; keeps the row as a tombstone (id, namespace,
   * subject, digest, times). Refused under legal hold. Idempotent. The old row versions stay in
   * the table files until VACUUM: call vacuum() (the retention job does) to purge them.
   */
  async forget(id: string, options: { reason?: string } = {}): Promise<ForgetResult> {
    if (!isUuid(id)) throw new MemoryNotFoundError(String(id));
    return this.#kysely.transaction().execute(async (trx) => {
      const { rows } = await sql<{
        namespace: string;
        content_digest: string;
        forgotten_at: Date | null;
        legal_hold: boolean | null;
      }>`
        SELECT m.namespace, m.content_digest, m.forgotten_at, p.legal_hold
        FROM memories m LEFT JOIN memory_retention_policies p ON p.namespace = m.namespace
        WHERE m.id = ${id}::uuid FOR UPDATE OF m`.execute(trx);
      const row = rows[0];
      if (!row) throw new MemoryNotFoundError(id);
      if (row.forgotten_at) {
        return {
          id,
          contentDigest: row.content_digest,
          forgottenAt: new Date(row.forgotten_at),
          changed: false,
        };
      }
      if (row.legal_hold) throw new MemoryLegalHoldError(row.namespace);
      const [done] = (
        await sql<{ forgotten_at: Date }>`
          UPDATE memories SET content = NULL, embedding = NULL, metadata = '{}'::jsonb,
            forgotten_at = now(), forgotten_reason = ${options.reason ?? 'forget'}
          WHERE id = ${id}::uuid RETURNING forgotten_at`.execute(trx)
      ).rows;
      if (!done) throw new Error('forget updated nothing');
      return {
        id,
        contentDigest: row.content_digest,
        forgottenAt: new Date(done.forgotten_at),
        changed: true,
      };
    });
  }

  /** VACUUM memories: purges the row versions (and index entries) forgotten rows left behind. */
  async vacuum(): Promise<void> {
    await sql`VACUUM memories`.execute(this.#kysely);
  }

  /** Counts and growth, for one namespace or all. */
  async stats(namespace?: string): Promise<MemoryStats> {
    const where = namespace === undefined ? sql`TRUE` : sql`namespace = ${namespace}`;
    const { rows } = await sql<Record<keyof MemoryStats, string | number>>`
      SELECT
        count(*) FILTER (WHERE superseded_at IS NULL AND forgotten_at IS NULL) AS live,
        count(*) FILTER (WHERE superseded_at IS NOT NULL AND forgotten_at IS NULL) AS superseded,
        count(*) FILTER (WHERE forgotten_at IS NOT NULL) AS forgotten,
        count(*) AS total,
        count(*) FILTER (WHERE recorded_at > now() - interval '1 hour') AS "recordedLastHour",
        count(*) FILTER (WHERE recorded_at > now() - interval '1 day') AS "recordedLastDay"
      FROM memories WHERE ${where}`.execute(this.#kysely);
    const r = rows[0];
    const n = (key: keyof MemoryStats) => Number(r?.[key] ?? 0);
    return {
      live: n('live'),
      superseded: n('superseded'),
      forgotten: n('forgotten'),
      total: n('total'),
      recordedLastHour: n('recordedLastHour'),
      recordedLastDay: n('recordedLastDay'),
    };
  }

  /** Sets (or replaces) a namespace's retention policy. */
  async setRetentionPolicy(policy: RetentionPolicy): Promise<void> {
    checkText(policy.namespace, 'namespace', 200);
    for (const [key, value] of [
      ['maxAgeMs', policy.maxAgeMs],
      ['maxCount', policy.maxCount],
    ] as const) {
      if (value !== null && (!Number.isInteger(value) || value < 0)) {
        throw new MemoryInputError(`${key} must be null or a non-negative integer`);
      }
    }
    await sql`
      INSERT INTO memory_retention_policies (namespace, max_age_ms, max_count, legal_hold, updated_at)
      VALUES (${policy.namespace}, ${policy.maxAgeMs}, ${policy.maxCount}, ${policy.legalHold}, now())
      ON CONFLICT (namespace) DO UPDATE SET max_age_ms = EXCLUDED.max_age_ms,
        max_count = EXCLUDED.max_count, legal_hold = EXCLUDED.legal_hold, updated_at = now()`.execute(
      this.#kysely,
    );
  }

  async retentionPolicies(): Promise<RetentionPolicy[]> {
    const { rows } = await sql<{
      namespace: string;
      max_age_ms: string | number | null;
      max_count: number | null;
      legal_hold: boolean;
    }>`SELECT namespace, max_age_ms, max_count, legal_hold FROM memory_retention_policies
       ORDER BY namespace`.execute(this.#kysely);
    return rows.map((r) => ({
      namespace: r.namespace,
      maxAgeMs: r.max_age_ms === null ? null : Number(r.max_age_ms),
      maxCount: r.max_count,
      legalHold: r.legal_hold,
    }));
  }

  /** Replaces a namespace's configured golden query set (the recall guard's queries). */
  async setGoldenQueries(
    namespace: string,
    queries: readonly { vector: VectorInput; label?: string }[],
  ): Promise<void> {
    checkText(namespace, 'namespace', 200);
    const texts = queries.map((q, i) => ({
      vector: vectorText(q.vector, `queries[${i}].vector`),
      label: q.label ?? null,
    }));
    await this.#kysely.transaction().execute(async (trx) => {
      await sql`DELETE FROM memory_golden_queries WHERE namespace = ${namespace}`.execute(trx);
      for (const q of texts) {
        await sql`INSERT INTO memory_golden_queries (namespace, label, embedding)
          VALUES (${namespace}, ${q.label}, ${q.vector}::vector)`.execute(trx);
      }
    });
  }

  /** Namespaces that hold at least one live memory. */
  async namespaces(): Promise<string[]> {
    const { rows } = await sql<{ namespace: string }>`
      SELECT DISTINCT namespace FROM memories
      WHERE superseded_at IS NULL AND forgotten_at IS NULL ORDER BY namespace`.execute(
      this.#kysely,
    );
    return rows.map((r) => r.namespace);
  }
}

/** The settings end up in SET statements (which take no parameters): only checked values pass. */
function checkSettings(settings: SearchSettings): SearchSettings {
  const { efSearch, maxScanTuples, iterativeScan } = settings;
  if (!Number.isInteger(efSearch) || efSearch < 1 || efSearch > 1000) {
    throw new MemoryInputError('search.efSearch must be an integer from 1 to 1000');
  }
  if (!Number.isInteger(maxScanTuples) || maxScanTuples < 1) {
    throw new MemoryInputError('search.maxScanTuples must be a positive integer');
  }
  if (!['relaxed_order', 'strict_order', 'off'].includes(iterativeScan)) {
    throw new MemoryInputError('search.iterativeScan must be relaxed_order, strict_order or off');
  }
  return settings;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}
