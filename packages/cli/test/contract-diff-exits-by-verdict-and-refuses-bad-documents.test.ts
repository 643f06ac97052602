import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bulwark-contract-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function api(version: string, fields: string, extraPath = ''): string {
  return `openapi: 3.1.0
info: { title: pets, version: ${version} }
paths:
  /v1/pets/{id}:
    get:
      parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
      responses:
        '200':
          description: a pet
          content:
            application/json:
              schema: { type: object, properties: { ${fields} } }
${extraPath}`;
}

const v1 = write('v1.yaml', api('1.0.0', 'id: { type: string }, name: { type: string }'));
const removed = write('removed.yaml', api('1.1.0', 'id: { type: string }'));
const bumped = write('bumped.yaml', api('2.0.0', 'id: { type: string }'));
const added = write(
  'added.yaml',
  api(
    '1.1.0',
    'id: { type: string }, name: { type: string }, age: { type: integer }',
    "  /v1/owners:\n    get:\n      responses: { '200': { description: owners } }\n",
  ),
);

describe('bulwark contract diff', () => {
  it('exits 1 on a removed response field, naming its class and level', async () => {
    const run = await runCli(['contract', 'diff', v1, removed]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('response.property.removed');
    expect(run.stderr).toBe('');
  });

  it('exits 0 on the same removal with a new info.version major', async () => {
    const run = await runCli(['contract', 'diff', v1, bumped, '--format', 'json']);
    expect(run.code).toBe(0);
    const diff = JSON.parse(run.stdout);
    expect(diff.schema).toBe('bulwark.contract-diff/v1');
    expect(diff.changes).toContainEqual(
      expect.objectContaining({ classId: 'response.property.removed', excusedBy: 'info.version' }),
    );
  });

  it('exits 0 on additions only, and renders JUnit and markdown', async () => {
    const junit = await runCli(['contract', 'diff', v1, added, '--format', 'junit']);
    expect(junit.code).toBe(0);
    expect(junit.stdout).toMatch(/^<\?xml/);
    expect(junit.stdout).not.toContain('<failure');
    const markdown = await runCli(['contract', 'diff', v1, added, '--format', 'markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('path.added');
  });

  it('takes level overrides from --config: a warning made an error fails', async () => {
    const enumV1 = write('enum-v1.yaml', api('1.0.0', 'kind: { type: string, enum: [cat, dog] }'));
    const enumV2 = write(
      'enum-v2.yaml',
      api('1.0.1', 'kind: { type: string, enum: [cat, dog, eel] }'),
    );
    expect((await runCli(['contract', 'diff', enumV1, enumV2])).code).toBe(0);
    const config = write(
      'strict.yaml',
      'version: 1\nlevels:\n  response.enum.value-added: error\n',
    );
    const run = await runCli(['contract', 'diff', enumV1, enumV2, '--config', config]);
    expect(run.code).toBe(1);
  });

  it('refuses bad input with one line and exit 2', async () => {
    const notOpenApi = write('not-openapi.yaml', 'hello: world\n');
    const swagger2 = write(
      'swagger.yaml',
      'swagger: "2.0"\ninfo: { title: x, version: "1" }\npaths: {}\n',
    );
    const brokenRef = write(
      'broken-ref.yaml',
      api('1.0.0', "id: { $ref: '#/components/schemas/Missing' }"),
    );
    const badConfig = write('bad-levels.yaml', 'version: 1\nlevels:\n  no.such.class: error\n');
    expectOneLineFailure(await runCli(['contract', 'diff', v1, notOpenApi]), /not-openapi\.yaml/);
    expectOneLineFailure(await runCli(['contract', 'diff', swagger2, v1]), /2\.0/);
    expectOneLineFailure(
      await runCli(['contract', 'diff', v1, brokenRef]),
      /#\/components\/schemas\/Missing/,
    );
    expectOneLineFailure(
      await runCli(['contract', 'diff', v1, join(dir, 'missing.yaml')]),
      /missing\.yaml/,
    );
    expectOneLineFailure(
      await runCli(['contract', 'diff', v1, removed, '--config', badConfig]),
      /unknown change class 'no\.such\.class'/,
    );
  });
});
