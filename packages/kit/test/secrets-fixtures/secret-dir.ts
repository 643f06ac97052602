import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A real temporary directory of secret files, as Docker and Kubernetes mount them. */
export interface SecretDir {
  /** The directory the provider is pointed at. */
  readonly dir: string;
  /** A scratch directory beside it, outside it: for files a name must never reach. */
  readonly outside: string;
  write(name: string, content: string): Promise<void>;
  remove(): Promise<void>;
}

export async function makeSecretDir(): Promise<SecretDir> {
  const root = await mkdtemp(join(tmpdir(), 'bw-secrets-'));
  const dir = join(root, 'secrets');
  const outside = join(root, 'outside');
  await mkdir(dir);
  await mkdir(outside);
  return {
    dir,
    outside,
    async write(name, content) {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
