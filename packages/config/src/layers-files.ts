import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigRegistryError } from './errors.js';
import { isPlainObject } from './schemas-pointer.js';

/**
 * One config file (YAML, or JSON, which YAML reads too) as a document. An empty file is an empty
 * document, so an overlay can exist before it sets anything. Any failure is
 * CONFIG_SOURCE_UNREADABLE, one line with the path and where the parser stopped; the parser's
 * own message is not used, since it quotes the lines around the fault and they may hold a
 * secret someone pasted by mistake.
 */
export async function readConfigFileLayer(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const what = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
    throw new ConfigRegistryError('CONFIG_SOURCE_UNREADABLE', `config file ${path} ${what}`, {
      cause: error,
    });
  }
  const parsed = parseDocument(text, { uniqueKeys: true });
  const fault = parsed.errors[0];
  if (fault !== undefined) {
    const where = fault.linePos?.[0];
    const at = where === undefined ? '' : ` at line ${where.line}, column ${where.col}`;
    throw new ConfigRegistryError(
      'CONFIG_SOURCE_UNREADABLE',
      `config file ${path} cannot be parsed${at} (${fault.code})`,
    );
  }
  let document: unknown;
  try {
    document = parsed.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // An alias bomb (too many alias expansions) or an alias to nothing.
    throw new ConfigRegistryError(
      'CONFIG_SOURCE_UNREADABLE',
      `config file ${path} cannot be parsed (${(error as Error).name})`,
    );
  }
  if (document === null || document === undefined) return {};
  if (!isPlainObject(document)) {
    throw new ConfigRegistryError(
      'CONFIG_SOURCE_UNREADABLE',
      `config file ${path} does not hold a mapping of keys to values`,
    );
  }
  return document;
}
