-- The PostgreSQL config transport's log: every apply message, ack and presence announcement, in
-- the order they were committed. Publishers insert under a transaction-scoped advisory lock, so
-- `seq` grows in commit order and a reader that asks for rows after the last seq it saw never
-- skips one; pg_notify only wakes the readers (its payload is the seq and the config, never the
-- message, so a message may be larger than NOTIFY's 8000 bytes).
CREATE TABLE config_transport_messages (
  seq bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('apply', 'ack', 'presence')),
  config text NOT NULL,
  instance text,
  -- json, not jsonb: a document keeps its keys in the order it was published.
  payload json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A consumer reads its config's apply messages; the registry reads acks and presence of all.
CREATE INDEX config_transport_messages_kind_config_seq
  ON config_transport_messages (kind, config, seq);
CREATE INDEX config_transport_messages_kind_seq
  ON config_transport_messages (kind, seq);
