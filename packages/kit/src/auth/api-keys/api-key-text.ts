import { hash, randomBytes } from 'node:crypto';

/**
 * The text of an API key: `bwk_<id>_<secret>`. The id (16 hex digits) is public: it selects the
 * document entry and names the key in logs and listings. The secret is 32 random bytes in
 * base64url (43 characters). The prefix makes a leaked key easy to spot in code and logs, and
 * for secret scanners to find.
 */
export const API_KEY_PREFIX = 'bwk_';
const ID_LENGTH = 16;
const SECRET_LENGTH = 43;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH;
const ID = /^[0-9a-f]{16}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** A freshly made key: the text is shown once and never stored; the hash goes to the document. */
export interface GeneratedApiKey {
  readonly id: string;
  readonly text: string;
  readonly hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const id = randomBytes(ID_LENGTH / 2).toString('hex');
  const text = `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, text, hash: apiKeyHash(text) };
}

/** `sha256:<hex>` of the whole key text, as the document stores it. */
export function apiKeyHash(text: string): string {
  return `sha256:${apiKeyDigest(text).toString('hex')}`;
}

/**
 * The SHA-256 digest of a presented key. A fast hash is right here, and a slow KDF (bcrypt,
 * scrypt, argon2) would be wrong: those exist to make guessing a low-entropy password from its
 * hash expensive. These keys carry 256 random bits, so a leaked hash cannot be reversed by
 * guessing at any speed, while a KDF would cost tens of milliseconds of CPU on every request,
 * a denial-of-service lever on the hottest path. (GitHub, Stripe and AWS keys are checked the
 * same way.)
 */
export function apiKeyDigest(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

/**
 * The id of a well-formed key text, or undefined. Checked by length and shape before anything
 * else, so arbitrary header text costs a few comparisons and never a hash.
 */
export function apiKeyIdOf(text: string): string | undefined {
  if (text.length !== API_KEY_LENGTH || !text.startsWith(API_KEY_PREFIX)) return undefined;
  const id = text.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + ID_LENGTH);
  if (text[API_KEY_PREFIX.length + ID_LENGTH] !== '_' || !ID.test(id)) return undefined;
  if (!SECRET.test(text.slice(API_KEY_LENGTH - SECRET_LENGTH))) return undefined;
  return id;
}

export function isApiKeyId(id: string): boolean {
  return ID.test(id);
}
