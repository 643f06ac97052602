import { NotFoundError, ValidationError } from '../../errors.js';
import { type ApiKeyDocument, type ApiKeyEntry, apiKeyEntryProblem } from './api-key-document.js';
import { generateApiKey } from './api-key-text.js';

/**
 * Document edits for `bulwark api-keys` and for tooling that provisions keys (`bulwark up`).
 * Each takes a document and returns a new one; reading and writing the file is the caller's
 * (api-key-document.ts), so these stay pure and testable.
 */

export interface NewApiKeyOptions {
  readonly subject: string;
  readonly scopes?: readonly string[];
  readonly org?: string;
  /** When the key stops working; never, when omitted. */
  readonly expiresAt?: Date;
  readonly notBefore?: Date;
  readonly now?: Date;
}

export interface IssuedApiKey {
  readonly document: ApiKeyDocument;
  /** The key text: show it once, store it nowhere. */
  readonly key: string;
  readonly entry: ApiKeyEntry;
}

/** Adds a new key for a subject. */
export function addApiKey(document: ApiKeyDocument, options: NewApiKeyOptions): IssuedApiKey {
  const now = options.now ?? new Date();
  if (options.expiresAt !== undefined && options.expiresAt.getTime() <= now.getTime()) {
    throw new ValidationError('the key would expire before it is created');
  }
  let generated = generateApiKey();
  // 64 random bits make a repeat vanishingly rare; a repeat would make the document invalid.
  while (document.keys.some((key) => key.id === generated.id)) generated = generateApiKey();
  const entry: ApiKeyEntry = {
    id: generated.id,
    subject: options.subject,
    hash: generated.hash,
    scopes: [...new Set(options.scopes ?? [])],
    ...(options.org === undefined ? {} : { org: options.org }),
    createdAt: now.toISOString(),
    ...(options.notBefore === undefined ? {} : { notBefore: options.notBefore.toISOString() }),
    ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt.toISOString() }),
  };
  const problem = apiKeyEntryProblem(entry);
  if (problem !== undefined) throw new ValidationError(`invalid key: ${problem}`);
  return { document: { ...document, keys: [...document.keys, entry] }, key: generated.text, entry };
}

export interface RotateApiKeyOptions {
  readonly subject: string;
  /** How long the subject's current keys keep working beside the new one. */
  readonly overlapMs: number;
  /** Scopes and org of the new key; the subject's newest key's when omitted. */
  readonly scopes?: readonly string[];
  readonly org?: string;
  readonly expiresAt?: Date;
  readonly now?: Date;
}

export interface RotatedApiKey extends IssuedApiKey {
  /** The subject's previous keys, now carrying the expiry that ends the overlap. */
  readonly expiring: readonly ApiKeyEntry[];
}

/**
 * Rotation with an overlap window: a new key for the subject, and the subject's current keys
 * expire `overlapMs` from now (or sooner, if they already did), so callers can switch to the
 * new key without a moment when neither works.
 */
export function rotateApiKey(
  document: ApiKeyDocument,
  options: RotateApiKeyOptions,
): RotatedApiKey {
  const now = options.now ?? new Date();
  if (!Number.isFinite(options.overlapMs) || options.overlapMs < 0) {
    throw new ValidationError('the overlap must be zero or more');
  }
  const current = document.keys.filter((key) => {
    if (key.subject !== options.subject) return false;
    const state = apiKeyState(key, now);
    return state === 'active' || state === 'pending';
  });
  const newest = current.reduce<ApiKeyEntry | undefined>(
    (latest, key) => (latest === undefined || key.createdAt > latest.createdAt ? key : latest),
    undefined,
  );
  if (newest === undefined) {
    throw new NotFoundError(`no current API key for subject ${options.subject} to rotate`);
  }
  const org = options.org ?? newest.org;
  const issued = addApiKey(document, {
    subject: options.subject,
    scopes: options.scopes ?? newest.scopes,
    ...(org === undefined ? {} : { org }),
    ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    now,
  });
  const overlapEnds = now.getTime() + options.overlapMs;
  const expiring: ApiKeyEntry[] = [];
  const keys = issued.document.keys.map((key) => {
    if (!current.includes(key)) return key;
    const ends =
      key.expiresAt === undefined ? overlapEnds : Math.min(Date.parse(key.expiresAt), overlapEnds);
    const updated = { ...key, expiresAt: new Date(ends).toISOString() };
    expiring.push(updated);
    return updated;
  });
  return { ...issued, document: { ...issued.document, keys }, expiring };
}

/** Revokes one key by id, at once. Revoking a revoked key is refused, so a typo is noticed. */
export function revokeApiKey(
  document: ApiKeyDocument,
  id: string,
  now: Date = new Date(),
): { document: ApiKeyDocument; entry: ApiKeyEntry } {
  const found = document.keys.find((key) => key.id === id);
  if (found === undefined) throw new NotFoundError(`no API key with id ${id}`);
  if (found.revokedAt !== undefined) {
    throw new ValidationError(`API key ${id} was already revoked at ${found.revokedAt}`);
  }
  const entry = { ...found, revokedAt: now.toISOString() };
  return {
    document: { ...document, keys: document.keys.map((key) => (key === found ? entry : key)) },
    entry,
  };
}

export type ApiKeyState = 'active' | 'pending' | 'expired' | 'revoked';

export function apiKeyState(key: ApiKeyEntry, now: Date = new Date()): ApiKeyState {
  const at = now.getTime();
  if (key.revokedAt !== undefined && at >= Date.parse(key.revokedAt)) return 'revoked';
  if (key.expiresAt !== undefined && at >= Date.parse(key.expiresAt)) return 'expired';
  if (key.notBefore !== undefined && at < Date.parse(key.notBefore)) return 'pending';
  return 'active';
}

/** A key as listings show it: everything but the hash, of which only a prefix is shown. */
export interface ApiKeySummary extends Omit<ApiKeyEntry, 'hash'> {
  readonly state: ApiKeyState;
  /** `sha256:1a2b3c4d…`: enough to tell two entries apart, never the whole digest. */
  readonly hashPrefix: string;
}

export function summarizeApiKeys(
  document: ApiKeyDocument,
  now: Date = new Date(),
): ApiKeySummary[] {
  return document.keys.map(({ hash, ...rest }) => ({
    ...rest,
    state: apiKeyState({ hash, ...rest }, now),
    hashPrefix: `${hash.slice(0, 'sha256:'.length + 8)}…`,
  }));
}
