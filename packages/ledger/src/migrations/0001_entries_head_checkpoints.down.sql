-- Undoes schema 1 only for a ledger that holds nothing: a rollback must never destroy a ledger.
-- With any entry or checkpoint stored it REFUSES (and the whole rollback run is undone); export
-- the ledger and drop it by hand if that is really meant. The role bulwark_ledger_app is
-- cluster-wide (other databases may use it), so it stays.
DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_entries) OR EXISTS (SELECT 1 FROM ledger_checkpoints) THEN
    RAISE EXCEPTION 'ledger: refusing to roll back 0001_entries_head_checkpoints: the ledger holds % entries and % checkpoints, and a rollback never destroys a ledger',
      (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM ledger_checkpoints)
      USING ERRCODE = 'restrict_violation';
  END IF;
END
$do$;

DROP TABLE ledger_checkpoints;
DROP TABLE ledger_head;
DROP TABLE ledger_entries;
DROP FUNCTION ledger_head_forward_only();
DROP FUNCTION ledger_deny_change();
