-- Ledger schema 1: entries, head, checkpoints, the append-only triggers, and the application
-- role (bulwark_ledger_app: it may read and append, never rewrite). Was migration version 1 of
-- packages/ledger/src/store/schema.ts (commit e8ce92f); a ledger made then is adopted, not re-run.
CREATE TABLE ledger_entries (
  seq          bigint PRIMARY KEY CHECK (seq > 0),
  recorded_at  timestamptz NOT NULL,
  stream       text NOT NULL,
  kind         text NOT NULL,
  actor        text NOT NULL,
  payload      text NOT NULL,   -- RFC 8785 canonical JSON, hashed as stored
  payload_hash bytea NOT NULL,
  prev_hash    bytea NOT NULL,
  entry_hash   bytea NOT NULL,  -- also the RFC 6962 leaf data of leaf seq-1
  -- Hashes of the complete Merkle subtrees this leaf closes, level 1 upward (32 bytes each):
  -- proofs read O(log n) of them instead of rehashing the log.
  tree_nodes   bytea NOT NULL
);

-- One row: the writers' lock and the state the next append continues from. Not trusted by the
-- verifier, which recomputes everything from the entries.
CREATE TABLE ledger_head (
  id        boolean PRIMARY KEY DEFAULT true CHECK (id),
  size      bigint NOT NULL,
  last_hash bytea NOT NULL,
  frontier  bytea NOT NULL
);
INSERT INTO ledger_head (id, size, last_hash, frontier)
  VALUES (true, 0, '\x0000000000000000000000000000000000000000000000000000000000000000', '\x');

CREATE TABLE ledger_checkpoints (
  id        bigserial PRIMARY KEY,
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root_hash bytea NOT NULL,
  note      text NOT NULL,       -- the C2SP signed note, verbatim
  signed_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION ledger_deny_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'ledger: % on % is not allowed; the ledger is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;

CREATE FUNCTION ledger_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.size < OLD.size THEN
    RAISE EXCEPTION 'ledger: the head may only move forward (% -> %)', OLD.size, NEW.size
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_deny_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_deny_change();
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_deny_change();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_deny_change();
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
  FOR EACH ROW EXECUTE FUNCTION ledger_deny_change();
CREATE TRIGGER ledger_head_no_truncate BEFORE TRUNCATE ON ledger_head
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_deny_change();
CREATE TRIGGER ledger_head_forward BEFORE UPDATE ON ledger_head
  FOR EACH ROW EXECUTE FUNCTION ledger_head_forward_only();

-- Roles are cluster-wide: create it once, tolerate a concurrent creator or a migrator without
-- CREATEROLE (then an administrator creates it; see docs/ledger.md).
DO $do$
BEGIN
  CREATE ROLE bulwark_ledger_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN NULL;
END
$do$;

DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bulwark_ledger_app') THEN
    REVOKE ALL ON ledger_entries, ledger_head, ledger_checkpoints FROM PUBLIC;
    GRANT SELECT, INSERT ON ledger_entries, ledger_checkpoints TO bulwark_ledger_app;
    GRANT SELECT, UPDATE ON ledger_head TO bulwark_ledger_app;
    GRANT USAGE ON SEQUENCE ledger_checkpoints_id_seq TO bulwark_ledger_app;
  END IF;
END
$do$;
