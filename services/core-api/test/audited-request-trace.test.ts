import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';

const services = resolve(import.meta.dirname, '..', '..');
const procs: SpawnedProcess[] = [];
afterAll(() => {
  for (const proc of procs) proc.kill('SIGKILL');
});

async function start(entry: string, env: Record<string, string>) {
  const port = await freePort();
  const proc = spawnTs(join(services, entry), {
    PORT: String(port),
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...env,
  });
  procs.push(proc);
  await proc.waitForLine((line) => line.includes('ready on http'), 60_000);
  return { proc, url: `http://127.0.0.1:${port}` };
}

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('an audited request through core-api and the ledger service', () => {
  it('carries one trace id through both services’ logs and lands in a valid ledger', async () => {
    const work = mkdtempSync(join(tmpdir(), 'bulwark-trace-'));
    const ledger = await start('ledger/src/main.ts', {
      BULWARK_LEDGER_DATA_DIR: join(work, 'ledger'),
      BULWARK_KEYS_DIR: join(work, 'keys'),
    });
    const core = await start('core-api/src/main.ts', {
      BULWARK_LEDGER_URL: ledger.url,
      BULWARK_CORE_API_DATA_DIR: join(work, 'core-api'),
    });

    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await request(`${core.url}/v1/items`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      },
      body: JSON.stringify({ name: 'bolt', quantity: 3 }),
    });
    expect(response.statusCode).toBe(201);
    await response.body.dump();

    const coreLine = parse(
      await core.proc.waitForLine(
        (l) => l.includes('request completed') && l.includes('/v1/items'),
      ),
    );
    const ledgerLine = parse(
      await ledger.proc.waitForLine(
        (l) => l.includes('request completed') && l.includes('/v1/ledger/entries'),
      ),
    );
    expect(coreLine.trace_id).toBe(traceId);
    expect(ledgerLine.trace_id).toBe(traceId);
    expect(coreLine.service).toBe('core-api');
    expect(ledgerLine.service).toBe('ledger');

    const entries = (await (
      await request(`${ledger.url}/v1/ledger/entries?from=1&limit=10`)
    ).body.json()) as { entries: Array<{ kind: string; payload: unknown }> };
    expect(entries.entries.map((e) => e.kind)).toEqual(['item.create']);
    const verify = (await (await request(`${ledger.url}/v1/ledger/verify`)).body.json()) as {
      valid: boolean;
    };
    expect(verify.valid).toBe(true);
  });
});
