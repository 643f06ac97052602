-- The vector extension stays: other schemas in the same database may use it.
DROP TABLE memory_job_runs;
DROP TABLE memory_golden_queries;
DROP TABLE memory_retention_policies;
DROP TABLE memories;
