import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInConfigSchemas, ConfigRegistryError, resolveConfig } from '../src/index.js';
import { type ConfigFolder, makeConfigFolder } from './fixtures/config-files.js';

const notifications = builtInConfigSchemas().get('notifications', 1);
let folder: ConfigFolder;

beforeEach(async () => {
  folder = await makeConfigFolder();
});
afterEach(() => folder.remove());

async function refusal(files: string[]): Promise<ConfigRegistryError> {
  try {
    await resolveConfig({ entry: notifications, files, env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigRegistryError);
    expect((error as Error).message).not.toContain('\n');
    return error as ConfigRegistryError;
  }
  throw new Error('expected the files to be refused');
}

describe('an unreadable config file', () => {
  it('that does not exist is CONFIG_SOURCE_UNREADABLE with its path', async () => {
    const base = await folder.write('base.yaml', 'janitor:\n  enabled: false\n');
    const missing = join(folder.dir, 'production.yaml');
    const error = await refusal([base, missing]);
    expect(error.code).toBe('CONFIG_SOURCE_UNREADABLE');
    expect(error.message).toBe(`config file ${missing} does not exist`);
  });

  it('that is a directory says it cannot be read, and why', async () => {
    const error = await refusal([folder.dir]);
    expect(error.code).toBe('CONFIG_SOURCE_UNREADABLE');
    expect(error.message).toBe(`config file ${folder.dir} cannot be read (EISDIR)`);
  });

  it('that is not YAML says where the parser stopped, without quoting the file', async () => {
    const broken = await folder.write(
      'broken.yaml',
      'smtp:\n  host: a\n   password: hunter2-hunter2\n  port: [\n',
    );
    const error = await refusal([broken]);
    expect(error.code).toBe('CONFIG_SOURCE_UNREADABLE');
    expect(error.message).toMatch(
      new RegExp(
        `^config file ${broken} cannot be parsed at line \\d+, column \\d+ \\([A-Z_]+\\)$`,
      ),
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('that is broken JSON is refused the same way', async () => {
    const broken = await folder.write('broken.json', '{"janitor": {"enabled": false,}');
    expect((await refusal([broken])).code).toBe('CONFIG_SOURCE_UNREADABLE');
  });

  it('that holds a list or a scalar instead of a mapping is refused', async () => {
    const list = await folder.write('list.yaml', '- janitor\n- delivery\n');
    expect((await refusal([list])).message).toBe(
      `config file ${list} does not hold a mapping of keys to values`,
    );
  });
});
