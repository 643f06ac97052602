import { randomUUID } from 'node:crypto';
import { type RecordedServer, recordedServer, sendJson } from './recorded-server.js';

/**
 * Vault's KV v2 read API as documented (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-version):
 * GET /v1/<mount>/data/<path> with X-Vault-Token answers 200 with
 * `{ data: { data: {…}, metadata: { version, … } } }`, 404 `{ errors: [] }` for no secret and
 * 403 `{ errors: ["permission denied"] }` for a token it does not accept.
 */
export interface FakeVault extends RecordedServer {
  /** The one token the fake accepts; change it to act out a token rotation. */
  validToken: string;
  /** When set, every request is answered with this status (an outage, a sealed Vault). */
  failWith: number | undefined;
  /** Writes a new version of `<mount>/<path>`. */
  put(mount: string, path: string, data: Record<string, unknown>): void;
}

export async function startFakeVault(validToken: string): Promise<FakeVault> {
  const secrets = new Map<string, { data: Record<string, unknown>; version: number }>();
  // The handler reads the returned object, so a test's `vault.validToken = …` takes effect.
  let state: FakeVault | undefined;
  const server = await recordedServer((request, res) => {
    if (state === undefined) return;
    if (state.failWith !== undefined) {
      sendJson(res, state.failWith, { errors: ['Vault is sealed'] });
      return;
    }
    if (request.headers['x-vault-token'] !== state.validToken) {
      sendJson(res, 403, { errors: ['permission denied'] });
      return;
    }
    const match = /^\/v1\/(.+?)\/data\/(.+)$/.exec(request.path);
    const stored = match ? secrets.get(`${match[1]}/${decodeURIComponent(match[2]!)}`) : undefined;
    if (request.method !== 'GET' || stored === undefined) {
      sendJson(res, 404, { errors: [] });
      return;
    }
    sendJson(res, 200, {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        data: stored.data,
        metadata: {
          created_time: new Date().toISOString(),
          custom_metadata: null,
          deletion_time: '',
          destroyed: false,
          version: stored.version,
        },
      },
      wrap_info: null,
      warnings: null,
      auth: null,
    });
  });
  state = Object.assign(server, {
    validToken,
    failWith: undefined as number | undefined,
    put(mount: string, path: string, data: Record<string, unknown>) {
      const key = `${mount}/${path}`;
      secrets.set(key, { data, version: (secrets.get(key)?.version ?? 0) + 1 });
    },
  });
  return state;
}
