import { open } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ContractError } from '../errors.js';

/** Documents larger than this are refused before parsing: a generated contract is far smaller. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

const IO_CAUSES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  EPERM: 'permission denied',
};

/** Reads a document file as UTF-8, refusing a missing, unreadable or too large one. */
export async function readDocumentText(path: string): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (stats.size > MAX_DOCUMENT_BYTES) {
      throw new ContractError(
        'BW_CONTRACT_UNREADABLE',
        `${path}: ${stats.size} bytes is larger than the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB limit`,
      );
    }
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof ContractError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new ContractError(
      'BW_CONTRACT_UNREADABLE',
      `${path}: cannot read (${IO_CAUSES[code] ?? code})`,
    );
  } finally {
    await handle?.close();
  }
}

/**
 * Parses a document's text: JSON when it starts with `{` (JSON.parse is many times faster than
 * a YAML parser on large generated documents), YAML otherwise. The message of a syntax error is
 * cut to its first line: the YAML parser appends a source excerpt.
 */
export function parseDocumentText(text: string, label: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const looksLikeJson = body.trimStart().startsWith('{');
  try {
    return looksLikeJson ? JSON.parse(body) : parseYaml(body, { maxAliasCount: 1000 });
  } catch (error) {
    const cause = firstLine((error as Error).message);
    throw new ContractError(
      'BW_CONTRACT_NOT_OPENAPI',
      `${label}: not valid ${looksLikeJson ? 'JSON' : 'YAML'}: ${cause}`,
    );
  }
}

export function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').trim().replace(/:$/, '');
}
