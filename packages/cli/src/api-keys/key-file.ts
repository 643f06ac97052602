import {
  type ApiKeyDocument,
  emptyApiKeyDocument,
  readApiKeyDocument,
  writeApiKeyDocument,
} from '@bulwark/kit/api-keys';
import { UsageError } from '../exit-codes.js';

const SECRET_REFERENCE = /^\$\{secret:/;

/** The document at `path`, or an empty one when `create` allows a file that is not there yet. */
export async function loadKeyFile(
  path: string,
  options: { create: boolean },
): Promise<ApiKeyDocument> {
  if (SECRET_REFERENCE.test(path)) {
    throw new UsageError(
      `--file ${path} is a secret reference; edit a file here, then store it in the secret provider`,
    );
  }
  try {
    return await readApiKeyDocument(path);
  } catch (error) {
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    if (options.create && cause?.code === 'ENOENT') return emptyApiKeyDocument();
    throw error;
  }
}

/** Writes the document back atomically (mode 0600): see writeApiKeyDocument. */
export function saveKeyFile(path: string, document: ApiKeyDocument): Promise<void> {
  return writeApiKeyDocument(path, document);
}
