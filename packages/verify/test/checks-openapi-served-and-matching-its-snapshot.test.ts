import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './checks-harness.js';
import {
  type BareTarget,
  type KitTarget,
  planService,
  startBareFastify,
  startKitService,
} from './security-targets.js';

let kit: KitTarget;
let bare: BareTarget;
const dir = mkdtempSync(join(tmpdir(), 'bulwark-openapi-check-'));

beforeAll(async () => {
  [kit, bare] = await Promise.all([startKitService(), startBareFastify()]);
  const served = (await (await fetch(`${kit.url}/openapi.json`)).json()) as {
    paths: Record<string, unknown>;
  };
  writeFileSync(join(dir, 'same.json'), JSON.stringify(served));
  // The snapshot of an API that also had GET /v1/items/{id}: the running one removed it.
  const older = structuredClone(served);
  older.paths['/v1/items/{id}'] = {
    get: {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 200: { description: 'the item' } },
    },
  };
  writeFileSync(join(dir, 'older.json'), JSON.stringify(older));
  writeFileSync(join(dir, 'not-openapi.json'), '{"swagger":"2.0"}');
});

afterAll(async () => {
  await Promise.all([kit?.stop(), bare?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('openapi.served', () => {
  it('passes a kit service: a valid OpenAPI 3.1 document at /openapi.json', async () => {
    const outcome = await runCheck('openapi.served', {}, { service: planService(kit.url) });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /^OpenAPI 3\.1\.0 document served and valid: 1 paths, 2 operations/,
    );
    expect(outcome.measurements).toMatchObject({ openapi: '3.1.0', paths: 1, operations: 2 });
  });

  it('fails a service that serves no document', async () => {
    const outcome = await runCheck('openapi.served', {}, { service: planService(bare.url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^\/openapi\.json: 404/);
  });
});

describe('openapi.snapshot', () => {
  it('passes when the running service serves exactly its snapshot', async () => {
    const outcome = await runCheck(
      'openapi.snapshot',
      { snapshot: 'same.json' },
      { service: planService(kit.url), planDir: dir },
    );
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toBe('matches same.json (API version 1.2.3)');
  });

  it('fails, naming the class, when the running API lost an operation the snapshot has', async () => {
    const outcome = await runCheck(
      'openapi.snapshot',
      { snapshot: 'older.json' },
      { service: planService(kit.url), planDir: dir },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^differs from older\.json: 1 breaking/);
    expect(outcome.summary).toContain('path.removed');
    const diff = JSON.parse(String(outcome.artifacts?.[0]?.content));
    expect(diff.verdict).toBe('fail');
  });

  it('fails with the loader’s one line when the snapshot is not an OpenAPI 3 document', async () => {
    const outcome = await runCheck(
      'openapi.snapshot',
      { snapshot: 'not-openapi.json' },
      { service: planService(kit.url), planDir: dir },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/not-openapi\.json/);
    expect(outcome.summary.split('\n')).toHaveLength(1);
  });
});
