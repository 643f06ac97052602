import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { ReleaseError } from '../errors.js';
import { type ReleaseConfig, ReleaseConfigSchema } from './schema.js';

export const RELEASE_CONFIG_FILE = 'bulwark.release.yaml';

const validate = new Ajv({
  useDefaults: true,
  allErrors: false,
  strict: false,
}).compile<ReleaseConfig>(ReleaseConfigSchema);

/**
 * Reads `bulwark.release.yaml` from the repository root (or `file`), filling every default. With
 * no file the documented defaults apply. Bad YAML or a bad setting is a ReleaseError naming the
 * file and the setting.
 */
export function loadReleaseConfig(root: string, file?: string): ReleaseConfig {
  const path = file ?? join(root, RELEASE_CONFIG_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (file !== undefined || code !== 'ENOENT') {
      throw new ReleaseError('BW_RELEASE_CONFIG', `cannot read ${path}: ${code ?? 'unreadable'}`);
    }
  }
  let value: unknown = { version: 1 };
  if (text !== undefined) {
    try {
      value = parse(text, { maxAliasCount: 100 }) ?? { version: 1 };
    } catch (error) {
      const message = (error as Error).message.split('\n')[0];
      throw new ReleaseError('BW_RELEASE_CONFIG', `${path}: ${message}`);
    }
  }
  if (!validate(value)) {
    const [first] = validate.errors ?? [];
    const where = first?.instancePath || '/';
    throw new ReleaseError(
      'BW_RELEASE_CONFIG',
      `${path}: ${where} ${first?.message ?? 'is invalid'}`,
    );
  }
  return value;
}
