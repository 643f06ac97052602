-- The config registry's own state: every published version, every rollout with its plan and
-- the acknowledgements of each instance, the instances consumers announced, how far the
-- registry read the transport's ack and presence feeds, and the ledger entries still to send.
-- Times are written by the registry (its clock), never by now(): a rollout's deadlines and its
-- timestamps are read back by the same clock that set them.

-- Versions are never updated nor deleted: history and revert are queries over this table.
CREATE TABLE config_versions (
  config text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  schema_version integer NOT NULL CHECK (schema_version >= 1),
  document jsonb NOT NULL,
  -- SHA-256 of the document's canonical JSON (sorted keys), hex.
  digest text NOT NULL,
  published_at timestamptz NOT NULL,
  published_by text NOT NULL,
  message text,
  PRIMARY KEY (config, version)
);

CREATE TABLE config_rollouts (
  id uuid PRIMARY KEY,
  -- The order rollouts were started in (times can tie; one runs per config at a time, so the
  -- newest completed one is what the instances run).
  seq bigserial NOT NULL UNIQUE,
  config text NOT NULL,
  -- 'rollout' moves forward; 'revert' is an operator's rollout back to an earlier version.
  kind text NOT NULL CHECK (kind IN ('rollout', 'revert')),
  -- The version the instances ran when it started (0: no registry version, files only).
  from_version integer NOT NULL CHECK (from_version >= 0),
  to_version integer NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'reverting', 'completed', 'reverted')),
  -- The stage being rolled out (0-based); after a failure, the stage that failed.
  stage integer NOT NULL CHECK (stage >= 0),
  -- 'acks': waiting for the stage's (or the revert's) acknowledgements; 'bake': watching health.
  phase text NOT NULL CHECK (phase IN ('acks', 'bake', 'done')),
  -- The plan as asked ([{count} | {share}]) and the instances each stage got, in order.
  stage_plan jsonb NOT NULL,
  stages jsonb NOT NULL,
  bake_ms integer NOT NULL CHECK (bake_ms >= 0),
  ack_timeout_ms integer NOT NULL CHECK (ack_timeout_ms > 0),
  health_interval_ms integer NOT NULL CHECK (health_interval_ms > 0),
  -- When the current phase fails (acks) or ends (bake).
  deadline timestamptz,
  -- When the current stage's (or the revert's) message was published; null: still to publish.
  message_sent_at timestamptz,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  started_by text NOT NULL,
  -- What the operator said it is for.
  reason text,
  -- Why it was reverted: one line naming the instance and what happened.
  cause text,
  FOREIGN KEY (config, to_version) REFERENCES config_versions (config, version)
);

-- One rollout per config at a time, whichever registry process starts it.
CREATE UNIQUE INDEX config_rollouts_one_active
  ON config_rollouts (config) WHERE state IN ('running', 'reverting');
CREATE INDEX config_rollouts_config_seq ON config_rollouts (config, seq DESC);

-- Every instance a rollout covers, with the stage it belongs to and what it answered: to the
-- new version (ack_*) and, after a failure, to the revert (revert_*).
CREATE TABLE config_rollout_targets (
  rollout_id uuid NOT NULL REFERENCES config_rollouts (id),
  instance text NOT NULL,
  stage integer NOT NULL CHECK (stage >= 0),
  ack_result text CHECK (ack_result IN ('applied', 'restarting', 'refused')),
  ack_reason text,
  acked_at timestamptz,
  -- Applied, or back at the version after a restart.
  confirmed_at timestamptz,
  revert_result text CHECK (revert_result IN ('applied', 'restarting', 'refused')),
  revert_reason text,
  reverted_at timestamptz,
  revert_confirmed_at timestamptz,
  PRIMARY KEY (rollout_id, instance)
);

-- The instances consumers announced (Presence), and the version each runs as it last said
-- (a presence or an `applied` ack; `reported_at` is the instance's own time of that report, so
-- a report delivered late never overwrites a newer one).
CREATE TABLE config_instances (
  config text NOT NULL,
  instance text NOT NULL,
  version integer NOT NULL CHECK (version >= 0),
  health_url text,
  reported_at timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (config, instance)
);

-- The last transport seq the registry handled per feed ('acks', 'presence'): a restarted
-- registry asks the transport for what came after.
CREATE TABLE config_registry_feeds (
  feed text PRIMARY KEY,
  seq bigint NOT NULL
);

-- Acknowledgements, promotions and reverts to append to the ledger, written in the transaction
-- of the change they record and deleted once the ledger accepted them.
CREATE TABLE config_registry_ledger_outbox (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  actor text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
