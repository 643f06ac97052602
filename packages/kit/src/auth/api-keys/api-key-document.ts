import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readConfigFile } from '../../config-file.js';
import { ConfigError } from '../../errors.js';
import { firstSchemaError } from '../../schema-errors.js';

export const API_KEYS_FORMAT = 'bulwark.api-keys/v1';

const Instant = Type.String({ format: 'date-time' });

/** One key: who it is, what it may do, and when. Only the hash of the key text is kept. */
export const ApiKeyEntrySchema = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
    subject: Type.String({ minLength: 1, maxLength: 256 }),
    hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
    scopes: Type.Array(Type.String({ pattern: '^[A-Za-z0-9:._*-]{1,64}$' }), { maxItems: 64 }),
    org: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    createdAt: Instant,
    notBefore: Type.Optional(Instant),
    /** Rotation sets this on the old key: it keeps working until then (the overlap window). */
    expiresAt: Type.Optional(Instant),
    revokedAt: Type.Optional(Instant),
  },
  { additionalProperties: false },
);

export const ApiKeyDocumentSchema = Type.Object(
  {
    format: Type.Literal(API_KEYS_FORMAT),
    keys: Type.Array(ApiKeyEntrySchema, { maxItems: 100_000 }),
  },
  { additionalProperties: false },
);

export type ApiKeyEntry = Static<typeof ApiKeyEntrySchema>;
export type ApiKeyDocument = Static<typeof ApiKeyDocumentSchema>;

interface ApiKeyValidators {
  readonly document: ValidateFunction<ApiKeyDocument>;
  readonly entry: ValidateFunction<ApiKeyEntry>;
}

let validators: ApiKeyValidators | undefined;

/**
 * Compiled on first use and kept: compiling when the module loaded cost every importer of the
 * kit (the CLI's `--help` and services that never read an API keys file) tens of milliseconds.
 */
function apiKeyValidators(): ApiKeyValidators {
  if (!validators) {
    const ajv = new Ajv({ allErrors: false, strict: true });
    addFormats(ajv, ['date-time']);
    validators = {
      document: ajv.compile<ApiKeyDocument>(ApiKeyDocumentSchema),
      entry: ajv.compile<ApiKeyEntry>(ApiKeyEntrySchema),
    };
  }
  return validators;
}

/** What is wrong with one entry (`/subject must NOT have more than 256 characters`), if anything. */
export function apiKeyEntryProblem(entry: ApiKeyEntry): string | undefined {
  const validate = apiKeyValidators().entry;
  return validate(entry) ? undefined : firstSchemaError(validate.errors);
}

export function emptyApiKeyDocument(): ApiKeyDocument {
  return { format: API_KEYS_FORMAT, keys: [] };
}

/**
 * Parses and checks a document. `origin` names where it came from (a path, a secret name) for
 * the error, which never quotes the text: it holds hashes, and a mistyped file may hold a key.
 */
export function parseApiKeyDocument(text: string, origin: string): ApiKeyDocument {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new ConfigError(`API keys ${origin} is not valid JSON`);
  }
  const validate = apiKeyValidators().document;
  if (!validate(document)) {
    throw new ConfigError(
      `API keys ${origin} is not a ${API_KEYS_FORMAT} document: ${firstSchemaError(validate.errors)}`,
    );
  }
  const seen = new Set<string>();
  for (const [index, key] of document.keys.entries()) {
    if (seen.has(key.id)) {
      throw new ConfigError(`API keys ${origin}: /keys/${index} repeats the id ${key.id}`);
    }
    seen.add(key.id);
  }
  return document;
}

/** Reads a document file; a missing or bad file is a ConfigError naming the path. */
export async function readApiKeyDocument(path: string): Promise<ApiKeyDocument> {
  const text = await readConfigFile(path, 'API keys file');
  return parseApiKeyDocument(text, `file ${path}`);
}

/**
 * Writes a document atomically: a temporary file beside it (created 0600, so the hashes are
 * never readable by others even for a moment), flushed, then renamed over the old one. A reader
 * (a service re-reading on its interval) sees the old document or the new one, never half.
 */
export async function writeApiKeyDocument(path: string, document: ApiKeyDocument): Promise<void> {
  if (!apiKeyValidators().document(document)) {
    throw new ConfigError(`refusing to write an invalid API keys document to ${path}`);
  }
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(document, null, 2)}\n`);
    // The mode given to open is masked by the umask; set it exactly.
    await handle.chmod(0o600);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, path);
}
