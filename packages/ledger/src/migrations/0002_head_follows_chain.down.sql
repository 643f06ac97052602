-- Undoes schema 2: the chain is no longer enforced at commit (the appender and verify still check
-- it). No data is touched.
DROP TRIGGER ledger_entries_within_head ON ledger_entries;
DROP TRIGGER ledger_head_follows_chain ON ledger_head;
DROP FUNCTION ledger_entry_within_head();
DROP FUNCTION ledger_head_follows_chain();
