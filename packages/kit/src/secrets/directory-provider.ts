import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  errorKind,
  SecretFormatError,
  SecretProviderError,
  SecretReferenceError,
} from './secret-errors.js';
import { jsonField } from './secret-fields.js';
import type { SecretProvider } from './secret-provider.js';

/** A secret file is a key or a small JSON document; anything larger is a mistake, not a secret. */
const MAX_SECRET_BYTES = 1_048_576;

/**
 * Kubernetes and Docker secrets: one file per secret, `<dir>/<name>`, read on every cache miss
 * so a rotated file (Kubernetes swaps its `..data` symlink) is picked up. With a `#field`, the
 * file is a JSON object. The trailing newline editors and `echo` add is not part of the value.
 *
 * A name never leaves the directory: `..` and `.` segments, absolute names and backslashes are
 * refused, and the file's real path (symbolic links followed) must still be inside the
 * directory's real path. Kubernetes' own layout (`name → ..data/name`, `..data → ..2024_…`)
 * stays inside and is accepted.
 */
export class DirectorySecretProvider implements SecretProvider {
  readonly name: string;
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = resolve(dir);
    this.name = `directory ${this.#dir}`;
  }

  async read(name: string, field?: string): Promise<string | undefined> {
    const path = this.#pathOf(name);
    const real = await this.#realPathInside(name, path);
    if (real === undefined) return undefined;
    const text = trimTrailingNewlines(await this.#readFile(name, real));
    return field === undefined
      ? text
      : jsonField(text, field, { provider: this.name, secret: name });
  }

  #pathOf(name: string): string {
    const segments = name.split('/');
    const refused =
      name.length === 0 ||
      isAbsolute(name) ||
      name.includes('\\') ||
      name.includes('\0') ||
      segments.some((segment) => segment === '' || segment === '.' || segment === '..');
    if (refused) {
      throw new SecretReferenceError(
        `secret name refused by ${this.name}: a name is relative segments of the directory, without "." or ".."`,
      );
    }
    const path = resolve(this.#dir, name);
    if (!isInside(this.#dir, path)) {
      throw new SecretReferenceError(
        `secret name refused by ${this.name}: it leaves the directory`,
      );
    }
    return path;
  }

  /** The file's real path, undefined when it (or the directory) does not exist. */
  async #realPathInside(name: string, path: string): Promise<string | undefined> {
    let root: string;
    let real: string;
    try {
      root = await realpath(this.#dir);
      real = await realpath(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new SecretProviderError(this.name, name, errorKind(error));
    }
    if (!isInside(root, real)) {
      throw new SecretReferenceError(
        `secret "${name}" in ${this.name} is a symbolic link out of the directory and is refused`,
      );
    }
    return real;
  }

  async #readFile(name: string, path: string): Promise<string> {
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(path, 'r');
      const stat = await handle.stat();
      if (!stat.isFile()) {
        throw new SecretFormatError(this.name, name, 'is not a regular file');
      }
      if (stat.size > MAX_SECRET_BYTES) {
        throw new SecretFormatError(this.name, name, `is larger than ${MAX_SECRET_BYTES} bytes`);
      }
      return await handle.readFile('utf8');
    } catch (error) {
      if (error instanceof SecretFormatError) throw error;
      throw new SecretProviderError(this.name, name, errorKind(error));
    } finally {
      await handle?.close();
    }
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
}

function trimTrailingNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
  return end === text.length ? text : text.slice(0, end);
}
