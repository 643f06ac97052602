/** A vector as callers hand it over: 384 floats (the schema's `vector(384)`). */
export type VectorInput = Float32Array | readonly number[];

/** What a caller writes. `validFrom` defaults to the time of the write; `validTo` to open. */
export interface MemoryInput {
  namespace: string;
  subject: string;
  content: string;
  embedding: VectorInput;
  /** When the fact began to hold (default: now). */
  validFrom?: Date;
  /** When the fact stopped holding (default: still holds). */
  validTo?: Date | null;
  metadata?: Record<string, unknown>;
}

/** Where a merged memory came from: the originals a compression run folded into it. */
export interface MemoryProvenance {
  kind: 'compression';
  jobRunId: string;
  /** The cosine-similarity threshold the cluster was formed at. */
  threshold: number;
  originals: { id: string; contentDigest: string }[];
}

/** One row of the memories table, as read back. */
export interface Memory {
  id: string;
  namespace: string;
  subject: string;
  /** Null once forgotten: the content is really deleted. */
  content: string | null;
  /** SHA-256 hex of the content as written; kept on the tombstone. */
  contentDigest: string;
  /** Null once forgotten. Only returned when asked for (`withEmbedding`). */
  embedding: Float32Array | null;
  validFrom: Date;
  validTo: Date | null;
  recordedAt: Date;
  supersededAt: Date | null;
  supersededBy: string | null;
  metadata: Record<string, unknown>;
  provenance: MemoryProvenance | null;
  forgottenAt: Date | null;
  forgottenReason: string | null;
}

/** What writeBatch returns for each input, in input order, once the batch is committed. */
export interface WrittenMemory {
  id: string;
  contentDigest: string;
  recordedAt: Date;
}

/** The filters every search and listing takes. */
export interface MemoryFilter {
  namespace?: string;
  subject?: string;
  /** Only facts that held at this time (valid_from <= t < valid_to). */
  validAt?: Date;
  /**
   * Answer with what was known at this recorded time: rows recorded by then and not yet
   * superseded by then (superseded rows count when they were still current at that time).
   */
  asOf?: Date;
  /** Include rows already superseded (history). Ignored when `asOf` is given. */
  includeSuperseded?: boolean;
}

export interface SearchRequest extends MemoryFilter {
  /** A query vector; or `text`, embedded through the store's EmbeddingProvider. */
  vector?: VectorInput;
  text?: string;
  /** How many rows to return (default 10, max 1000). */
  k?: number;
  /** Force the exact (no index) scan. */
  exact?: boolean;
}

export interface SearchHit {
  memory: Memory;
  /** pgvector cosine distance (`<=>`): 0 identical, 2 opposite. */
  distance: number;
  /** 1 - distance. */
  similarity: number;
}

/**
 * How the rows were found: 'index' (HNSW with iterative scan), 'exact' (asked for, or no
 * index scan possible), 'index+exact' (the index returned fewer than k rows while more match,
 * so the exact scan answered).
 */
export type SearchStrategy = 'index' | 'exact' | 'index+exact';

export interface SearchResult {
  hits: SearchHit[];
  strategy: SearchStrategy;
}

export interface SupersedeInput {
  content: string;
  embedding: VectorInput;
  /** Defaults to the old memory's subject. */
  subject?: string;
  /** When the new fact began to hold; the old one's valid_to (default: now). */
  validFrom?: Date;
  validTo?: Date | null;
  metadata?: Record<string, unknown>;
}

export interface SupersedeResult {
  /** The old memory, now closed. */
  closed: Memory;
  written: WrittenMemory;
}

export interface ForgetResult {
  id: string;
  contentDigest: string;
  forgottenAt: Date;
  /** False when the memory had already been forgotten (forget is idempotent). */
  changed: boolean;
}

export interface MemoryStats {
  /** Current rows: not superseded, not forgotten. */
  live: number;
  superseded: number;
  forgotten: number;
  total: number;
  /** Rows recorded in the last hour / day: the growth figures. */
  recordedLastHour: number;
  recordedLastDay: number;
}

export interface RetentionPolicy {
  namespace: string;
  /** Rows recorded longer ago than this are forgotten (ms; null: no age limit). */
  maxAgeMs: number | null;
  /** At most this many live rows are kept, the newest (null: no count limit). */
  maxCount: number | null;
  /** While true, nothing in the namespace is deleted: not by retention, not by forget. */
  legalHold: boolean;
}

export type MemoryJobName = 'retention' | 'compression';
export type JobOutcome = 'committed' | 'rolled_back' | 'failed' | 'skipped';

/** One row of the job-runs table. */
export interface JobRun {
  id: string;
  job: MemoryJobName;
  namespace: string | null;
  startedAt: Date;
  finishedAt: Date;
  outcome: JobOutcome;
  recallBefore: number | null;
  recallAfter: number | null;
  /** The configured minimum recall the run was held to. */
  threshold: number;
  affectedRows: number;
  reason: string | null;
  details: Record<string, unknown>;
}

/** The plain object /health and metrics read: each job's last run, recall, count and growth. */
export interface MemoryJobsStatus {
  jobs: Record<
    MemoryJobName,
    {
      lastRun: JobRun | null;
      running: boolean;
      runs: Record<JobOutcome, number>;
    }
  >;
  memories: MemoryStats;
}
