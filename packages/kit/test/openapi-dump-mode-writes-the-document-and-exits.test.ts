import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const entry = join(import.meta.dirname, 'processes', 'openapi-dump-service.ts');
const work = mkdtempSync(join(tmpdir(), 'bulwark-openapi-dump-'));

/** A port held by the test: a child that tried to listen on it would fail with EADDRINUSE. */
let holder: Server;
let heldPort: number;

beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  heldPort = (holder.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

function dump(out: string, env: Record<string, string> = {}) {
  const marker = join(work, `started-${Math.random().toString(36).slice(2)}`);
  const child = spawnTs(entry, {
    BULWARK_OPENAPI_OUT: out,
    HOST: '127.0.0.1',
    PORT: String(heldPort),
    TEST_STARTUP_MARKER: marker,
    ...env,
  });
  let stdout = '';
  child.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  return { child, marker, stdout: () => stdout };
}

const fatalLines = (lines: readonly string[]) =>
  lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; code?: string; msg: string })
    .filter((record) => record.level === 'fatal');

describe('BULWARK_OPENAPI_OUT', () => {
  it('writes the document to the file and exits 0 without listening or starting', async () => {
    const out = join(work, 'openapi.json');
    const run = dump(out);
    expect(await run.child.exited).toBe(0);
    const text = readFileSync(out, 'utf8');
    const document = JSON.parse(text) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    // Pretty JSON with a final newline: what a snapshot file holds.
    expect(text).toBe(`${JSON.stringify(document, null, 2)}\n`);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({ title: 'dump-service', version: '2.3.4' });
    expect(document.paths['/v1/things/{id}']?.get?.summary).toBe('One thing');
    // The held port would have made a listen fail; the startup step would have left its marker.
    expect(existsSync(run.marker)).toBe(false);
    expect(run.child.lines.some((line) => line.includes('started on'))).toBe(false);
  });

  it('writes exactly the document to stdout with `-`, the same bytes as the file', async () => {
    const out = join(work, 'again.json');
    const toFile = dump(out);
    const toStdout = dump('-');
    expect(await toFile.child.exited).toBe(0);
    expect(await toStdout.child.exited).toBe(0);
    // Two processes, two outputs, one document: it depends on nothing but the code.
    expect(toStdout.stdout()).toBe(readFileSync(out, 'utf8'));
  });

  it('fails with one fatal line and exit 1 when the document cannot be written', async () => {
    const run = dump(join(work, 'no-such-directory', 'openapi.json'));
    expect(await run.child.exited).toBe(1);
    const fatal = fatalLines(run.child.lines);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.code).toBe('ENOENT');
    expect(fatal[0]?.msg).toMatch(/^failed to write the OpenAPI document: /);
    expect(run.child.lines.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('refuses a worker, which has no HTTP API, with exit 2', async () => {
    const out = join(work, 'worker.json');
    const run = dump(out, { TEST_DUMP_KIND: 'worker' });
    expect(await run.child.exited).toBe(2);
    const fatal = fatalLines(run.child.lines);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.code).toBe('BW_OPENAPI_NO_HTTP_API');
    expect(existsSync(out)).toBe(false);
  });
});
