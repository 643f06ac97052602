import { readFileSync } from 'node:fs';
import type {
  ConfigOverview,
  ConfigVersion,
  DocumentChange,
  RolloutStatus,
  StageSize,
  VersionSummary,
} from '@bulwark/config';
import { UsageError } from '../exit-codes.js';
import { callRegistry } from './registry-http.js';

export { registryUrl } from './registry-http.js';

/** GET /v1/configs and /v1/configs/:name: one config at a glance. */
export interface ConfigSummary {
  readonly config: string;
  readonly schemaVersions: readonly number[];
  readonly latestVersion: number;
  readonly currentVersion: number;
  /** The newest rollout, as the registry's overview has it. */
  readonly rollout: ConfigOverview['rollout'];
  readonly instances: number;
  readonly mixed: boolean;
}

/** GET /v1/configs/:name/instances. */
export interface InstancesReply {
  readonly config: string;
  readonly instances: readonly {
    readonly instance: string;
    readonly version: number;
    readonly healthUrl: string | null;
    readonly lastSeen: string;
  }[];
  readonly mixed: boolean;
  readonly versions: Readonly<Record<string, number>>;
}

export interface DiffReply {
  readonly config: string;
  readonly from: number;
  readonly to: number;
  readonly changes: readonly DocumentChange[];
}

/** POST /v1/configs/:name/rollouts and /revert. */
export interface RolloutRequest {
  readonly version: number;
  readonly stages?: readonly StageSize[];
  readonly bakeMs?: number;
  readonly ackTimeoutMs?: number;
  readonly reason?: string;
}

/** The most one history page holds (the registry's MAX_PAGE). */
const PAGE = 100;

/**
 * The config registry's HTTP API (services/config-registry/src/routes), one method per route
 * the CLI uses. Every failure is a UsageError of one line (registry-http.ts).
 */
export class RegistryClient {
  readonly #base: URL;
  readonly #headers: Record<string, string>;

  constructor(base: URL, credentials: { apiKeyFile?: string | undefined } = {}) {
    this.#base = base;
    this.#headers =
      credentials.apiKeyFile === undefined
        ? {}
        : { 'x-api-key': readApiKey(credentials.apiKeyFile) };
  }

  get origin(): string {
    return this.#base.origin;
  }

  async publish(
    config: string,
    body: { document: Record<string, unknown>; schemaVersion?: number; message?: string },
  ): Promise<ConfigVersion> {
    return this.#post(`/v1/configs/${segment(config)}/versions`, body);
  }

  /** The newest `limit` versions, newest first, over as many pages as it takes. */
  async history(config: string, limit: number): Promise<VersionSummary[]> {
    const versions: VersionSummary[] = [];
    let before: number | null | undefined;
    while (versions.length < limit && before !== null) {
      const query = new URLSearchParams({ limit: String(Math.min(PAGE, limit - versions.length)) });
      if (before !== undefined) query.set('before', String(before));
      const page = await this.#get<{ versions: VersionSummary[]; next: number | null }>(
        `/v1/configs/${segment(config)}/versions?${query}`,
      );
      versions.push(...page.versions);
      before = page.next;
    }
    return versions;
  }

  async version(config: string, version: number): Promise<ConfigVersion> {
    return this.#get(`/v1/configs/${segment(config)}/versions/${version}`);
  }

  /** The newest published version with its document; undefined while there is none. */
  async latestVersion(config: string): Promise<ConfigVersion | undefined> {
    const [newest] = await this.history(config, 1);
    return newest === undefined ? undefined : this.version(config, newest.version);
  }

  async diff(config: string, from: number, to: number): Promise<DiffReply> {
    return this.#get(
      `/v1/configs/${segment(config)}/diff?${new URLSearchParams({ from: String(from), to: String(to) })}`,
    );
  }

  async startRollout(config: string, body: RolloutRequest): Promise<RolloutStatus> {
    return this.#post(`/v1/configs/${segment(config)}/rollouts`, body);
  }

  async revert(config: string, body: RolloutRequest): Promise<RolloutStatus> {
    return this.#post(`/v1/configs/${segment(config)}/revert`, body);
  }

  async rollout(id: string): Promise<RolloutStatus> {
    return this.#get(`/v1/rollouts/${segment(id)}`);
  }

  async configs(): Promise<ConfigSummary[]> {
    return (await this.#get<{ configs: ConfigSummary[] }>('/v1/configs')).configs;
  }

  async config(config: string): Promise<ConfigSummary> {
    return this.#get(`/v1/configs/${segment(config)}`);
  }

  async instances(config: string): Promise<InstancesReply> {
    return this.#get(`/v1/configs/${segment(config)}/instances`);
  }

  async #get<T>(path: string): Promise<T> {
    return (await callRegistry<T>(this.#base, 'GET', path, undefined, this.#headers)).body;
  }

  async #post<T>(path: string, body: unknown): Promise<T> {
    return (await callRegistry<T>(this.#base, 'POST', path, body, this.#headers)).body;
  }
}

/** A name or id as one path segment: whatever it holds, it cannot reach another route. */
function segment(text: string): string {
  return encodeURIComponent(text);
}

function readApiKey(file: string): string {
  let key: string;
  try {
    key = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(
      `--api-key-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (key === '' || key.includes('\n')) {
    throw new UsageError(`--api-key-file ${file} must hold one API key on one line`);
  }
  return key;
}
