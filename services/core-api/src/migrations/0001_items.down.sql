-- Undoes schema 1 only while it holds no item: a rollback must never destroy acknowledged data.
-- With any item stored it REFUSES (and the whole rollback run is undone); export the items and
-- drop the table by hand if that is really meant.
DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM items) THEN
    RAISE EXCEPTION 'core_api: refusing to roll back 0001_items: the table holds % items, and a rollback never destroys acknowledged data',
      (SELECT count(*) FROM items)
      USING ERRCODE = 'restrict_violation';
  END IF;
END
$do$;

DROP TABLE items;
