import { readFile } from 'node:fs/promises';
import { decodeInput } from '../../audit/input-text.js';
import { ImportError } from './import.js';

/**
 * A markdown plan's text from disk, or an ImportError with a one-line reason: missing, a
 * directory, binary, too large, or empty. The audit's input limits (size, NUL bytes, UTF-8)
 * apply, so a binary file never reaches the markdown parser.
 */
export async function readMarkdownPlan(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? (error as Error).message);
    throw new ImportError('BW_IMPORT_UNREADABLE', `${path}: cannot read the plan (${why})`);
  }
  const decoded = decodeInput(bytes);
  if (!decoded.ok) throw new ImportError('BW_IMPORT_UNREADABLE', `${path}: ${decoded.reason}`);
  if (decoded.text.trim() === '') {
    throw new ImportError('BW_IMPORT_EMPTY', `${path}: the plan is empty`);
  }
  return decoded.text;
}
