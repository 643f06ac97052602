-- Drops the registry's state, versions included. The versions cannot be rebuilt from anywhere
-- else, so this refuses while any is stored (the whole rollback run is then undone).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM config_versions) THEN
    RAISE EXCEPTION 'config_versions holds published versions: export them before rolling back';
  END IF;
END
$$;
DROP TABLE config_registry_ledger_outbox;
DROP TABLE config_registry_feeds;
DROP TABLE config_instances;
DROP TABLE config_rollout_targets;
DROP TABLE config_rollouts;
DROP TABLE config_versions;
