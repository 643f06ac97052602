-- Agent memory: bi-temporal rows with pgvector embeddings. The same SQL runs on PGlite
-- (@electric-sql/pglite-pgvector, pgvector 0.8.7) and on PostgreSQL with pgvector >= 0.8
-- (iterative index scans). Dimension 384: every embedding provider returns 384 floats.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE memories (
  id uuid PRIMARY KEY,
  -- Insertion order: a stable, deterministic order for sampling and clustering.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  namespace text NOT NULL CHECK (length(namespace) BETWEEN 1 AND 200),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
  -- NULL once forgotten: forget deletes the content and the embedding, the digest stays.
  content text,
  content_digest text NOT NULL CHECK (content_digest ~ '^[0-9a-f]{64}$'),
  embedding vector(384),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Compression: {"kind":"compression","jobRunId":..,"threshold":..,"originals":[{id,contentDigest}]}.
  provenance jsonb,
  -- Valid time: when the fact held.
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  -- Transaction time: when the store learned it, and when that knowledge was closed.
  recorded_at timestamptz NOT NULL,
  superseded_at timestamptz,
  superseded_by uuid REFERENCES memories (id),
  -- Tombstone.
  forgotten_at timestamptz,
  forgotten_reason text,
  CONSTRAINT memories_valid_range CHECK (valid_to IS NULL OR valid_to >= valid_from),
  CONSTRAINT memories_superseded_pair CHECK ((superseded_at IS NULL) = (superseded_by IS NULL)),
  CONSTRAINT memories_tombstone CHECK (
    (forgotten_at IS NULL AND content IS NOT NULL AND embedding IS NOT NULL)
    OR (forgotten_at IS NOT NULL AND content IS NULL AND embedding IS NULL)
  )
);

-- m / ef_construction chosen by bench/memory.ts (docs/benchmarks.md, bench:memory).
CREATE INDEX memories_embedding_hnsw ON memories
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX memories_namespace_subject ON memories (namespace, subject);
CREATE INDEX memories_namespace_recorded ON memories (namespace, recorded_at);
CREATE INDEX memories_namespace_valid ON memories (namespace, valid_from, valid_to);
CREATE INDEX memories_current ON memories (namespace, seq)
  WHERE superseded_at IS NULL AND forgotten_at IS NULL;
CREATE INDEX memories_superseded_by ON memories (superseded_by) WHERE superseded_by IS NOT NULL;

CREATE TABLE memory_retention_policies (
  namespace text PRIMARY KEY,
  max_age_ms bigint CHECK (max_age_ms IS NULL OR max_age_ms > 0),
  max_count integer CHECK (max_count IS NULL OR max_count >= 0),
  legal_hold boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A configured golden query set per namespace; without one, the guard samples the namespace.
CREATE TABLE memory_golden_queries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace text NOT NULL,
  label text,
  embedding vector(384) NOT NULL
);
CREATE INDEX memory_golden_queries_namespace ON memory_golden_queries (namespace);

CREATE TABLE memory_job_runs (
  id uuid PRIMARY KEY,
  job text NOT NULL CHECK (job IN ('retention', 'compression')),
  namespace text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('committed', 'rolled_back', 'failed', 'skipped')),
  recall_before double precision,
  recall_after double precision,
  threshold double precision NOT NULL,
  affected_rows integer NOT NULL DEFAULT 0,
  reason text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX memory_job_runs_job_started ON memory_job_runs (job, started_at DESC);
