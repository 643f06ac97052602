import type { Generated } from 'kysely';

/** The registry's tables as Kysely sees them (src/migrations/0001_registry.up.sql). */
export interface RegistryTables {
  config_versions: {
    config: string;
    version: number;
    schema_version: number;
    document: unknown;
    digest: string;
    published_at: Date;
    published_by: string;
    message: string | null;
  };
  config_rollouts: {
    id: string;
    seq: Generated<string>;
    config: string;
    kind: string;
    from_version: number;
    to_version: number;
    state: string;
    stage: number;
    phase: string;
    stage_plan: unknown;
    stages: unknown;
    bake_ms: number;
    ack_timeout_ms: number;
    health_interval_ms: number;
    deadline: Date | null;
    message_sent_at: Date | null;
    started_at: Date;
    updated_at: Date;
    finished_at: Date | null;
    started_by: string;
    reason: string | null;
    cause: string | null;
  };
  config_rollout_targets: {
    rollout_id: string;
    instance: string;
    stage: number;
    ack_result: string | null;
    ack_reason: string | null;
    acked_at: Date | null;
    confirmed_at: Date | null;
    revert_result: string | null;
    revert_reason: string | null;
    reverted_at: Date | null;
    revert_confirmed_at: Date | null;
  };
  config_instances: {
    config: string;
    instance: string;
    version: number;
    health_url: string | null;
    reported_at: Date;
    last_seen: Date;
  };
  config_registry_feeds: {
    feed: string;
    seq: string;
  };
  config_registry_ledger_outbox: {
    id: Generated<string>;
    kind: string;
    actor: string;
    payload: unknown;
    created_at: Date;
  };
}
