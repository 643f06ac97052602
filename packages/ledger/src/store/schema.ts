import type { SqlDriver } from './driver.js';

/** The role applications connect as: it may read and append, never rewrite. */
export const APP_ROLE = 'bulwark_ledger_app';

/**
 * One schema for PostgreSQL and PGlite, as ordered migrations. Applied inside one transaction
 * under an advisory lock, so concurrent starters agree on the result.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'entries, head, checkpoints, append-only triggers, app role',
    sql: `
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
  VALUES (true, 0, '\\x0000000000000000000000000000000000000000000000000000000000000000', '\\x');

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
  CREATE ROLE ${APP_ROLE} NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN NULL;
END
$do$;

DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    REVOKE ALL ON ledger_entries, ledger_head, ledger_checkpoints FROM PUBLIC;
    GRANT SELECT, INSERT ON ledger_entries, ledger_checkpoints TO ${APP_ROLE};
    GRANT SELECT, UPDATE ON ledger_head TO ${APP_ROLE};
    GRANT USAGE ON SEQUENCE ledger_checkpoints_id_seq TO ${APP_ROLE};
  END IF;
END
$do$;
`,
  },
  {
    version: 2,
    name: 'head moves only along a linked, correctly hashed entry chain',
    // Deferred constraint triggers run at COMMIT, when the transaction's inserts and head move
    // are all visible whatever order (or statement) they came in. They enforce in the database
    // what the appender already does, so a role that may only INSERT entries and UPDATE the head
    // (the app role, or a stolen app credential) cannot extend the tail with a forged chain:
    //  - the head moves from OLD to NEW only if entries (OLD.size, NEW.size] all exist, each
    //    links to the one before (the first to OLD.last_hash), each payload_hash and entry_hash
    //    is SHA-256 of its fields as entry.ts computes them, and NEW.last_hash is the entry hash
    //    at NEW.size; a head that does not move keeps its last hash and frontier;
    //  - no entry may lie beyond the head at commit (an entry is appended with its head move).
    // The frontier and tree_nodes are not recomputed here (that is O(log n) hashing per entry in
    // PL/pgSQL); verify recomputes them from the entry hashes. A superuser can switch triggers
    // off (session_replication_role = replica): that is what witnesses and verify are for.
    sql: `
CREATE FUNCTION ledger_head_follows_chain() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  found_rows bigint;
  first_bad bigint;
  last_entry bytea;
BEGIN
  IF NEW.size = OLD.size THEN
    IF NEW.last_hash IS DISTINCT FROM OLD.last_hash OR NEW.frontier IS DISTINCT FROM OLD.frontier THEN
      RAISE EXCEPTION 'ledger: the head changed without moving (size %)', NEW.size
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
  END IF;
  SELECT count(*),
         min(seq) FILTER (WHERE NOT ok),
         (array_agg(entry_hash) FILTER (WHERE seq = NEW.size))[1]
    INTO found_rows, first_bad, last_entry
    FROM (
      SELECT seq, entry_hash,
             prev_hash = CASE WHEN seq = OLD.size + 1 THEN OLD.last_hash
                              ELSE lag(entry_hash) OVER (ORDER BY seq) END
         AND recorded_at = date_trunc('milliseconds', recorded_at)
         AND payload_hash = sha256('\\x62756c7761726b2f6c65646765722f76312f7061796c6f61640a'::bytea
                                   || convert_to(payload, 'UTF8'))
         AND entry_hash = sha256('\\x62756c7761726b2f6c65646765722f76312f656e7472790a'::bytea
               || int8send(seq)
               || int8send(floor(extract(epoch FROM recorded_at) * 1000)::bigint)
               || int4send(octet_length(convert_to(stream, 'UTF8'))) || convert_to(stream, 'UTF8')
               || int4send(octet_length(convert_to(kind, 'UTF8'))) || convert_to(kind, 'UTF8')
               || int4send(octet_length(convert_to(actor, 'UTF8'))) || convert_to(actor, 'UTF8')
               || payload_hash || prev_hash) AS ok
        FROM ledger_entries
       WHERE seq > OLD.size AND seq <= NEW.size
    ) AS moved;
  IF found_rows <> NEW.size - OLD.size THEN
    RAISE EXCEPTION 'ledger: the head moved to % but entries % to % are not all there', NEW.size, OLD.size + 1, NEW.size
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF first_bad IS NOT NULL THEN
    RAISE EXCEPTION 'ledger: entry % does not link to the entry before it or its hashes are wrong', first_bad
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF last_entry IS DISTINCT FROM NEW.last_hash THEN
    RAISE EXCEPTION 'ledger: the head''s last hash is not the entry hash at %', NEW.size
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION ledger_entry_within_head() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.seq > (SELECT size FROM ledger_head WHERE id) THEN
    RAISE EXCEPTION 'ledger: entry % lies beyond the head; entries are appended with their head move', NEW.seq
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER ledger_head_follows_chain AFTER UPDATE ON ledger_head
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_head_follows_chain();
CREATE CONSTRAINT TRIGGER ledger_entries_within_head AFTER INSERT ON ledger_entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_within_head();
`,
  },
];

/** Applies the migrations not yet applied. Safe to call from many processes at once. */
export async function migrate(driver: SqlDriver): Promise<number> {
  return driver.transaction(async (tx) => {
    // 'ledger' in ASCII: one fixed key shared by every migrator.
    await tx.query('SELECT pg_advisory_xact_lock(108101100103101114)');
    await tx.query(`CREATE TABLE IF NOT EXISTS ledger_schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM ledger_schema_migrations')).map(
        (r) => r.version,
      ),
    );
    let count = 0;
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO ledger_schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      count += 1;
    }
    return count;
  });
}
