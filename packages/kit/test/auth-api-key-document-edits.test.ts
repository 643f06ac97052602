import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiKeySet } from '../src/auth/api-keys/api-key-set.js';
import {
  API_KEYS_FORMAT,
  addApiKey,
  apiKeyHash,
  emptyApiKeyDocument,
  parseApiKeyDocument,
  readApiKeyDocument,
  revokeApiKey,
  rotateApiKey,
  summarizeApiKeys,
  writeApiKeyDocument,
} from '../src/auth/api-keys/index.js';
import { tempDir } from './auth-fixtures/api-key-files.js';

const work = tempDir('bulwark-auth-document-');
afterAll(() => work.remove());

const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;

describe('API key document edits', () => {
  it('a new key is bwk_<id>_<43 chars>; only its SHA-256 is kept', () => {
    const { document, key, entry } = addApiKey(emptyApiKeyDocument(), {
      subject: 'reporting',
      scopes: ['items:read', 'items:read'],
      org: 'acme',
      now: T0,
    });
    expect(key).toMatch(/^bwk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(key.slice(4, 20)).toBe(entry.id);
    expect(entry).toMatchObject({
      subject: 'reporting',
      scopes: ['items:read'],
      org: 'acme',
      createdAt: T0.toISOString(),
      hash: apiKeyHash(key),
    });
    expect(JSON.stringify(document)).not.toContain(key.slice(21));
  });

  it('rotation keeps the subject working through the overlap, with the same scopes', () => {
    let document = emptyApiKeyDocument();
    document = addApiKey(document, {
      subject: 'sync',
      scopes: ['a', 'b'],
      org: 'o',
      now: T0,
    }).document;
    // An older key already due to expire sooner keeps its earlier expiry.
    document = addApiKey(document, {
      subject: 'sync',
      now: at(-HOUR),
      expiresAt: at(HOUR),
    }).document;
    document = addApiKey(document, { subject: 'other', now: T0 }).document;
    const rotated = rotateApiKey(document, {
      subject: 'sync',
      overlapMs: 24 * HOUR,
      now: at(1000),
    });

    expect(rotated.entry).toMatchObject({ subject: 'sync', scopes: ['a', 'b'], org: 'o' });
    expect(rotated.entry.expiresAt).toBeUndefined();
    expect(rotated.expiring.map((k) => k.expiresAt)).toEqual([
      at(1000 + 24 * HOUR).toISOString(),
      at(HOUR).toISOString(),
    ]);
    const other = rotated.document.keys.find((k) => k.subject === 'other');
    expect(other?.expiresAt).toBeUndefined();

    const keys = new ApiKeySet(rotated.document);
    expect(keys.check(rotated.key, at(2000).getTime()).ok).toBe(true);
    const summary = summarizeApiKeys(rotated.document, at(25 * HOUR));
    expect(summary.filter((k) => k.subject === 'sync').map((k) => k.state)).toEqual([
      'expired',
      'expired',
      'active',
    ]);
  });

  it('rotating a subject with no current key, or revoking twice, is refused', () => {
    const { document, entry } = addApiKey(emptyApiKeyDocument(), { subject: 's', now: T0 });
    expect(() => rotateApiKey(document, { subject: 'nobody', overlapMs: 0 })).toThrow(
      /no current API key for subject nobody/,
    );
    const revoked = revokeApiKey(document, entry.id, at(1)).document;
    expect(() => rotateApiKey(revoked, { subject: 's', overlapMs: 0, now: at(2) })).toThrow(
      /no current API key/,
    );
    expect(() => revokeApiKey(revoked, entry.id)).toThrow(/already revoked/);
    expect(() => revokeApiKey(revoked, '0000000000000000')).toThrow(/no API key with id/);
  });

  it('a bad subject or scope is refused before anything is written', () => {
    expect(() => addApiKey(emptyApiKeyDocument(), { subject: '' })).toThrow(/subject/);
    expect(() => addApiKey(emptyApiKeyDocument(), { subject: 'x', scopes: ['has space'] })).toThrow(
      /scopes/,
    );
    expect(() =>
      addApiKey(emptyApiKeyDocument(), { subject: 'x', now: T0, expiresAt: at(-1) }),
    ).toThrow(/expire before/);
  });

  it('listings never carry a whole hash', () => {
    const { document } = addApiKey(emptyApiKeyDocument(), { subject: 's', now: T0 });
    const [summary] = summarizeApiKeys(document, T0);
    expect(summary?.hashPrefix).toMatch(/^sha256:[0-9a-f]{8}…$/);
    expect(JSON.stringify(summary)).not.toContain(document.keys[0]?.hash);
  });
});

describe('API key documents on disk', () => {
  it('are written atomically with mode 0600 and read back the same', async () => {
    const file = join(work.dir, 'nested', 'keys.json');
    const { document } = addApiKey(emptyApiKeyDocument(), { subject: 's' });
    await writeApiKeyDocument(file, document);
    await writeApiKeyDocument(file, addApiKey(document, { subject: 't' }).document);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(work.dir, 'nested'))).toEqual(['keys.json']);
    const read = await readApiKeyDocument(file);
    expect(read.format).toBe(API_KEYS_FORMAT);
    expect(read.keys.map((k) => k.subject)).toEqual(['s', 't']);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('a document with a repeated id or a wrong shape is refused without quoting it', () => {
    const { document } = addApiKey(emptyApiKeyDocument(), { subject: 's' });
    const twice = { ...document, keys: [document.keys[0], document.keys[0]] };
    expect(() => parseApiKeyDocument(JSON.stringify(twice), 'file k.json')).toThrow(
      /file k.json: \/keys\/1 repeats the id/,
    );
    const hash = document.keys[0]?.hash as string;
    const wrong = { ...document, keys: [{ ...document.keys[0], hash: `${hash}0` }] };
    const error = (() => {
      try {
        parseApiKeyDocument(JSON.stringify(wrong), 'file k.json');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toMatch(
      /file k.json is not a bulwark.api-keys\/v1 document: \/keys\/0\/hash/,
    );
    expect(error?.message).not.toContain(hash.slice(7));
    expect(() => parseApiKeyDocument('{', 'file k.json')).toThrow(
      'API keys file k.json is not valid JSON',
    );
  });
});

describe('checking a presented key', () => {
  const now = T0.getTime();
  const made = addApiKey(emptyApiKeyDocument(), { subject: 'ok', now: T0 });
  const keys = new ApiKeySet(made.document);

  it('says which check failed, and only to a caller who holds the real key', () => {
    expect(keys.check(made.key, now)).toMatchObject({ ok: true, principal: { subject: 'ok' } });
    expect(keys.check(made.key.toUpperCase(), now)).toEqual({ ok: false, reason: 'malformed' });
    expect(keys.check(`${made.key}x`, now)).toEqual({ ok: false, reason: 'malformed' });
    const wrongSecret = `${made.key.slice(0, -1)}${made.key.endsWith('A') ? 'B' : 'A'}`;
    expect(keys.check(wrongSecret, now)).toEqual({ ok: false, reason: 'unknown_key' });

    const revoked = new ApiKeySet(revokeApiKey(made.document, made.entry.id, at(10)).document);
    expect(revoked.check(made.key, at(9).getTime()).ok).toBe(true);
    expect(revoked.check(made.key, at(10).getTime())).toEqual({ ok: false, reason: 'revoked' });
    // A guessed secret for a revoked id still learns only "unknown".
    expect(revoked.check(wrongSecret, at(10).getTime())).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
  });
});
