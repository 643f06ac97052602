/**
 * The ledger service keeps the unwitnessed tail short by design: it checkpoints as soon as a
 * burst reaches its threshold and soon after appends pause (besides the clock), and it shows
 * the window in /v1/ledger/window, /metrics and /health.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Service } from '@bulwark/kit';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedgerService } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-ledger-window-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let instances = 0;
async function start(env: NodeJS.ProcessEnv): Promise<Service> {
  const home = join(dir, `ledger-${instances++}`);
  const service = await openLedgerService(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      BULWARK_KEYS_DIR: join(home, 'keys'),
      BULWARK_LEDGER_DATA_DIR: join(home, 'data'),
      BULWARK_LEDGER_ORIGIN: 'bulwark.test/window',
      BULWARK_LEDGER_TREE_CACHE: 'off',
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '0',
      BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '0',
      ...env,
    },
    { handleProcessSignals: false },
  );
  await service.app.ready();
  return service;
}

async function append(service: Service, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const answer = await service.app.inject({
      method: 'POST',
      url: '/v1/ledger/entries',
      payload: { stream: 'orders', kind: 'created', actor: 'svc', payload: { i } },
    });
    expect(answer.statusCode).toBe(201);
  }
}

interface Window {
  headSize: number;
  witnessedSize: number;
  entries: number;
  ageSeconds: number;
  onlyCheckpointAudit: boolean;
  witnesses: { name: string; size: number | null; error: string | null }[];
}

const windowOf = async (service: Service) =>
  (await service.app.inject({ method: 'GET', url: '/v1/ledger/window' })).json() as Window;

/** Polls the window until `done` holds (bounded; a generous limit for a loaded CI machine). */
async function until(service: Service, done: (w: Window) => boolean): Promise<Window> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const window = await windowOf(service);
    if (done(window) || Date.now() > deadline) return window;
    await sleep(50);
  }
}

describe('the unwitnessed window', () => {
  it('checkpoints as soon as a burst reaches the threshold, leaving only the audit record', async () => {
    const service = await start({ BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '5' });
    try {
      await append(service, 4);
      // Below the threshold, no clock, no pause trigger: the window grows.
      expect(await windowOf(service)).toMatchObject({ witnessedSize: 0, entries: 4 });
      await append(service, 1);
      const window = await until(service, (w) => w.witnessedSize >= 5);
      expect(window).toMatchObject({
        witnessedSize: 5,
        headSize: 6,
        entries: 1,
        onlyCheckpointAudit: true,
      });
    } finally {
      await service.shutdown();
    }
  });

  it('checkpoints once appends pause, and shows the window in /metrics and /health', async () => {
    const service = await start({
      BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '200',
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '3600000',
    });
    try {
      expect((await windowOf(service)).entries).toBe(0);
      await append(service, 3);
      const window = await until(service, (w) => w.witnessedSize >= 3);
      expect(window).toMatchObject({ witnessedSize: 3, entries: 1, onlyCheckpointAudit: true });

      const metrics = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^bulwark_ledger_unwitnessed_entries 1$/m);
      expect(metrics).toMatch(/^bulwark_ledger_unwitnessed_age_seconds \d/m);
      expect(metrics).toMatch(/^bulwark_ledger_checkpoint_interval_seconds 3600$/m);
      expect(metrics).toMatch(/^bulwark_ledger_witness_size\{witness="dir:[^"]+"\} 3$/m);
    } finally {
      await service.shutdown();
    }
  });

  it('warns in /health, without failing /ready, when the oldest unwitnessed entry waits too long', async () => {
    const service = await start({
      BULWARK_LEDGER_WINDOW_MAX_AGE_MS: '1',
      BULWARK_READINESS_INTERVAL_MS: '100',
    });
    try {
      await service.listen();
      await append(service, 2);
      const deadline = Date.now() + 30_000;
      let health: {
        status: string;
        components: {
          name: string;
          status: string;
          error?: string;
          details?: Record<string, unknown>;
        }[];
      };
      do {
        await sleep(100);
        health = (await service.app.inject({ method: 'GET', url: '/health' })).json();
      } while (health.status !== 'warn' && Date.now() < deadline);
      expect(health.status).toBe('warn');
      const component = health.components.find((c) => c.name === 'ledger-unwitnessed-window');
      expect(component).toMatchObject({ status: 'fail' });
      expect(component?.error).toMatch(/2 entries after witnessed size 0, oldest \d+ s old/);
      expect((await service.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

      // An on-demand checkpoint closes the window (but for its own audit record).
      const checkpoint = await service.app.inject({
        method: 'POST',
        url: '/v1/ledger/checkpoints',
      });
      expect(checkpoint.statusCode).toBe(201);
      expect(await windowOf(service)).toMatchObject({ witnessedSize: 2, entries: 1 });
      // That trailing audit record alone does not count against the bound: /health passes again.
      do {
        await sleep(100);
        health = (await service.app.inject({ method: 'GET', url: '/health' })).json();
      } while (health.status !== 'pass' && Date.now() < deadline + 30_000);
      expect(health.status).toBe('pass');
      // Passing, the component still shows the window's figures and the schedule.
      expect(
        health.components.find((c) => c.name === 'ledger-unwitnessed-window')?.details,
      ).toMatchObject({
        witnessed_size: 2,
        unwitnessed_entries: 1,
        only_checkpoint_audit: true,
        max_age_seconds: 0.001,
      });
    } finally {
      await service.shutdown();
    }
  });
});
