-- Undoes schema 1 only while it holds no memory: a rollback must never destroy acknowledged data.
-- With any memory or tombstone stored it REFUSES (and the whole rollback run is undone).
-- The vector extension stays: other schemas in the same database may use it.
DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM memories) THEN
    RAISE EXCEPTION 'memory: refusing to roll back 0001_memories: the table holds % memories, and a rollback never destroys acknowledged data',
      (SELECT count(*) FROM memories)
      USING ERRCODE = 'restrict_violation';
  END IF;
END
$do$;

DROP TABLE memory_job_runs;
DROP TABLE memory_golden_queries;
DROP TABLE memory_retention_policies;
DROP TABLE memories;
