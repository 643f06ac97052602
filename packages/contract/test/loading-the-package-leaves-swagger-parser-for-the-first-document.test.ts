import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/**
 * `bulwark verify --help` loads this package; swagger-parser and its validators are the heaviest
 * part of it and only reading a document needs them. A fresh process (a test worker has loaded
 * everything already) imports the package, then loads a document, and says what was loaded when.
 */
const SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache).some((file) => file.includes('swagger-parser'));
const contract = await import('@bulwark/contract');
const atImport = loaded();
await contract.loadOpenApiDocument({
  label: 'memory',
  document: { openapi: '3.1.0', info: { title: 'T', version: '1.0.0' }, paths: {} },
});
console.log(JSON.stringify({ atImport, afterLoading: loaded() }));
`;

describe('loading the package leaves swagger-parser for the first document', () => {
  it('is not loaded by the import, and is by loadOpenApiDocument', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=@bulwark/source', '--input-type=module', '-e', SCRIPT],
      { cwd: new URL('..', import.meta.url) },
    );
    expect(JSON.parse(stdout)).toEqual({ atImport: false, afterLoading: true });
  });
});
