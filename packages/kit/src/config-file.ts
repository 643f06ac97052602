import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.js';

/**
 * The text of a file a setting names (an API keys document, a keyring): a missing or unreadable
 * file is a ConfigError naming what it is and where, never its content.
 */
export async function readConfigFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `${what} ${path} does not exist`
        : `${what} ${path} cannot be read (${code ?? 'error'})`,
      { cause: error },
    );
  }
}
