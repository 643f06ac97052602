import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApiKeyDocument,
  addApiKey,
  emptyApiKeyDocument,
  type NewApiKeyOptions,
} from '../../src/auth/api-keys/index.js';

/** A temporary directory for key documents, removed by `remove()`. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A document with one key per option set, and the key texts in the same order. */
export function documentWithKeys(options: readonly NewApiKeyOptions[]): {
  document: ApiKeyDocument;
  keys: string[];
} {
  let document = emptyApiKeyDocument();
  const keys: string[] = [];
  for (const option of options) {
    const issued = addApiKey(document, option);
    document = issued.document;
    keys.push(issued.key);
  }
  return { document, keys };
}
