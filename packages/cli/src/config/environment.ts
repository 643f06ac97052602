import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { UsageError } from '../exit-codes.js';

export interface EnvironmentFlags {
  /** `--env-file`, repeatable: dotenv files, later ones winning. */
  envFile?: string[];
  /** False with `--no-env`: this shell's variables are left out. */
  env?: boolean;
}

/**
 * The environment a service started here would see: the --env-file variables under this shell's
 * (a variable set in the shell wins, as with `node --env-file`), or the files alone with
 * --no-env. Only the variables a schema binds (`x-env`) are ever read from it.
 */
export function configEnvironment(flags: EnvironmentFlags): Record<string, string | undefined> {
  const fromFiles: Record<string, string> = {};
  for (const file of flags.envFile ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new UsageError(
        `--env-file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      );
    }
    Object.assign(fromFiles, parseEnv(text));
  }
  return flags.env === false ? fromFiles : { ...fromFiles, ...process.env };
}
