import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  addApiKey,
  readApiKeyDocument,
  revokeApiKey,
  rotateApiKey,
  writeApiKeyDocument,
} from '../src/auth/api-keys/index.js';
import type { Service } from '../src/index.js';
import { documentWithKeys, tempDir } from './auth-fixtures/api-key-files.js';
import { call } from './auth-fixtures/auth-requests.js';
import { testService } from './helpers.js';

const work = tempDir('bulwark-auth-rotation-');
afterAll(() => work.remove());

/** Short enough for a test, long enough that one reload surely happens between polls. */
const RELOAD_MS = 100;

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

async function started(source: string) {
  const made = testService({
    auth: { mode: 'required', apiKeys: { source, reloadIntervalMs: RELOAD_MS } },
  });
  service = made.service;
  service.app.get('/whoami', async (request) => ({ subject: request.principal?.subject }));
  await service.listen();
  return { service, logs: made.logs };
}

const statusOf = async (key: string) =>
  (await call(service as Service, '/whoami', { 'x-api-key': key })).status;

describe('API key rotation and reload', () => {
  it('a key added to the file works without a restart; a revoked one stops', async () => {
    const file = join(work.dir, 'reload.json');
    const first = documentWithKeys([{ subject: 'billing', scopes: [] }]);
    await writeApiKeyDocument(file, first.document);
    await started(file);
    const [old] = first.keys as [string];
    expect(await statusOf(old)).toBe(200);

    const added = addApiKey(await readApiKeyDocument(file), { subject: 'search' });
    await writeApiKeyDocument(file, added.document);
    await expect.poll(() => statusOf(added.key), { timeout: 10_000 }).toBe(200);

    const oldId = added.document.keys[0]?.id as string;
    await writeApiKeyDocument(file, revokeApiKey(added.document, oldId).document);
    await expect.poll(() => statusOf(old), { timeout: 10_000 }).toBe(401);
    expect(await statusOf(added.key)).toBe(200);
  });

  it('during the overlap both the old and the new key work; after it only the new one', async () => {
    const file = join(work.dir, 'overlap.json');
    const first = documentWithKeys([{ subject: 'ledger-sync', scopes: ['ledger:write'] }]);
    await writeApiKeyDocument(file, first.document);
    await started(file);
    const [old] = first.keys as [string];

    const rotated = rotateApiKey(first.document, { subject: 'ledger-sync', overlapMs: 1_500 });
    expect(rotated.expiring).toHaveLength(1);
    expect(rotated.entry.scopes).toEqual(['ledger:write']);
    await writeApiKeyDocument(file, rotated.document);
    await expect.poll(() => statusOf(rotated.key), { timeout: 10_000 }).toBe(200);
    expect(await statusOf(old)).toBe(200);

    // The old key's expiresAt passes: refused as expired, while the new key goes on.
    const expiresAt = Date.parse(rotated.expiring[0]?.expiresAt as string);
    await expect.poll(() => statusOf(old), { timeout: 10_000 }).toBe(401);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    const refusal = await call(service as Service, '/whoami', { 'x-api-key': old });
    expect(refusal.body.detail).toMatch(/expired/);
    expect(await statusOf(rotated.key)).toBe(200);
  });

  it('a bad re-read keeps the keys in force and logs a warning without the content', async () => {
    const file = join(work.dir, 'broken-later.json');
    const first = documentWithKeys([{ subject: 'exporter' }]);
    await writeApiKeyDocument(file, first.document);
    const { logs } = await started(file);
    const [key] = first.keys as [string];

    writeFileSync(file, `{"format":"bulwark.api-keys/v1","keys":"${key}"`);
    await expect
      .poll(
        () => logs.records().find((r) => r.level === 'warn' && /API keys/.test(String(r.msg))),
        {
          timeout: 10_000,
        },
      )
      .toBeDefined();
    expect(await statusOf(key)).toBe(200);
    expect(logs.lines.join('\n')).not.toContain(key);
    const health = await call(service as Service, '/health');
    expect(health.body.status).toBe('warn');
  });
});

describe('API keys from a secret reference', () => {
  it('loads the document through the secret store and follows its changes', async () => {
    const secretsDir = join(work.dir, 'secrets');
    const first = documentWithKeys([{ subject: 'from-secret', scopes: ['a'] }]);
    await writeApiKeyDocument(join(secretsDir, 'api-keys'), first.document);
    const made = testService({
      secrets: { dir: secretsDir, cacheTtlMs: 0 },
      auth: {
        mode: 'required',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference, not a template
        apiKeys: { source: '${secret:api-keys}', reloadIntervalMs: RELOAD_MS },
      },
    });
    service = made.service;
    service.app.get('/whoami', async (request) => ({ subject: request.principal?.subject }));
    await service.listen();
    const [key] = first.keys as [string];
    const answer = await call(service, '/whoami', { 'x-api-key': key });
    expect(answer.status).toBe(200);
    expect(answer.body.subject).toBe('from-secret');

    const added = addApiKey(first.document, { subject: 'second' });
    await writeApiKeyDocument(join(secretsDir, 'api-keys'), added.document);
    await expect.poll(() => statusOf(added.key), { timeout: 10_000 }).toBe(200);
  });

  it('a missing secret fails the start naming the secret', async () => {
    const made = testService({
      secrets: { dir: join(work.dir, 'empty-secrets') },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference, not a template
      auth: { mode: 'required', apiKeys: { source: '${secret:absent-keys}' } },
    });
    service = made.service;
    await expect(service.listen()).rejects.toThrow(/API keys secret absent-keys/);
  });
});
