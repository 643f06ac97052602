-- Ledger schema 2: the head moves only along a linked, correctly hashed entry chain.
-- Deferred constraint triggers run at COMMIT, when the transaction's inserts and head move are all
-- visible whatever order (or statement) they came in. They enforce in the database what the
-- appender already does, so a role that may only INSERT entries and UPDATE the head (the app role,
-- or a stolen app credential) cannot extend the tail with a forged chain:
--  - the head moves from OLD to NEW only if entries (OLD.size, NEW.size] all exist, each links to
--    the one before (the first to OLD.last_hash), each payload_hash and entry_hash is SHA-256 of
--    its fields as entry.ts computes them, and NEW.last_hash is the entry hash at NEW.size; a head
--    that does not move keeps its last hash and frontier;
--  - no entry may lie beyond the head at commit (an entry is appended with its head move).
-- The frontier and tree_nodes are not recomputed here (that is O(log n) hashing per entry in
-- PL/pgSQL); verify recomputes them from the entry hashes. A superuser can switch triggers off
-- (session_replication_role = replica): that is what witnesses and verify are for.
-- Was migration version 2 of packages/ledger/src/store/schema.ts (commit e8ce92f).
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
         AND payload_hash = sha256('\x62756c7761726b2f6c65646765722f76312f7061796c6f61640a'::bytea
                                   || convert_to(payload, 'UTF8'))
         AND entry_hash = sha256('\x62756c7761726b2f6c65646765722f76312f656e7472790a'::bytea
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
