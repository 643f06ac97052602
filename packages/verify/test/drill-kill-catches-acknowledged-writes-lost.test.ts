import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckOutcome } from '../src/checks/check.js';
import { isRunning } from '../src/checks/drill/process-signals.js';
import { httpService, runCheck, startFixture } from './checks-harness.js';

const SERVICE = fileURLToPath(new URL('./processes/drill-kill-service.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const work = mkdtempSync(join(tmpdir(), 'bw-drill-kill-'));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const pidOf = (file: string) => Number(readFileSync(file, 'utf8').trim());
/** One numeric figure of the outcome; a missing one fails the test here. */
function figure(outcome: CheckOutcome, name: string): number {
  const value = outcome.measurements?.[name];
  if (typeof value !== 'number') throw new Error(`no figure ${name} in ${outcome.summary}`);
  return value;
}

/**
 * A store service and the command that starts it again the same way (the plan's
 * control.start), then drill.kill on it with writes.
 */
async function killDrill(
  store: 'fsync' | 'write-behind',
  write: Record<string, unknown>,
): Promise<{ outcome: CheckOutcome; first: number; after: number }> {
  const port = await freePort();
  const name = `${store}-${port}`;
  const env = {
    PORT: String(port),
    TEST_PID_FILE: join(work, `${name}.pid`),
    TEST_ITEMS_FILE: join(work, `${name}.items`),
    TEST_STORE: store,
    TEST_FLUSH_MS: '5000',
  };
  const service = await startFixture(SERVICE, env);
  const first = pidOf(env.TEST_PID_FILE);
  started.push(first);
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const start = `${assignments} BULWARK_SHUTDOWN_DRAIN_DELAY_MS=0 exec "${process.execPath}" --import ${TSX} "${SERVICE}" > ${name}-restarted.log 2>&1`;
  const outcome = await runCheck(
    'drill.kill',
    { readyWithinMs: 30_000, write: { everyMs: 20, ...write } },
    {
      service: httpService(service.url, { control: { pidFile: `${name}.pid`, start } }),
      planDir: work,
    },
  );
  expect(await service.process.exited).toBe('SIGKILL');
  const after = pidOf(env.TEST_PID_FILE);
  started.push(after);
  return { outcome, first, after };
}

// Each test starts real processes and restarts one: slow on a busy 2-core machine.
describe('drill.kill with acknowledged writes', { timeout: 180_000 }, () => {
  it('passes a service that persists before it acknowledges: every acknowledged write reads back', async () => {
    const { outcome, first, after } = await killDrill('fsync', {
      path: '/v1/store',
      body: { id: '{id}' },
      readPath: '/v1/store/{id}',
    });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      new RegExp(
        `^ready again [\\d.]+ ms after SIGKILL \\(limit 30000 ms; restarted by control\\.start as pid ${after}\\); \\d+ of \\d+ requests on /live lost meanwhile; all \\d+ acknowledged writes read back \\(\\d+ acknowledged before the kill\\)$`,
      ),
    );
    expect(after).not.toBe(first);
    expect(isRunning(after)).toBe(true);
    expect(figure(outcome, 'pid')).toBe(first);
    expect(figure(outcome, 'newPid')).toBe(after);
    expect(figure(outcome, 'writesAcknowledgedBeforeKill')).toBeGreaterThan(0);
    expect(figure(outcome, 'writesAcknowledged')).toBeGreaterThanOrEqual(
      figure(outcome, 'writesAcknowledgedBeforeKill'),
    );
    expect(figure(outcome, 'writesLost')).toBe(0);
    // Restarting a process takes a while: the stream ran into the outage and lost requests.
    expect(figure(outcome, 'requestsLost')).toBeGreaterThan(0);
    expect(figure(outcome, 'requestsLost')).toBeLessThan(figure(outcome, 'requestsSent'));
    expect(figure(outcome, 'readyMs')).toBeGreaterThan(figure(outcome, 'deathMs'));
    expect(figure(outcome, 'firstLostSentMs')).toBeLessThanOrEqual(
      figure(outcome, 'lastLostSentMs'),
    );
    expect(outcome.samples?.map((s) => s.name)).toEqual([
      'readiness: ms from the fault',
      'readiness: /ready status (0 = no answer)',
      'requests /live: latency',
      'requests lost: ms from SIGKILL when sent',
    ]);
    expect(outcome.artifacts?.map((a) => a.name)).toEqual([
      'readiness-timeline.csv',
      'requests.csv',
      'writes.json',
    ]);
  });

  it('fails a service that acknowledges writes before persisting them: lost acknowledged writes', async () => {
    const { outcome } = await killDrill('write-behind', {
      path: '/v1/store',
      body: { id: '{id}' },
      readPath: '/v1/store/{id}',
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^lost [1-9]\d* acknowledged write\(s\) \(of \d+ acknowledged, [1-9]\d* before the kill; limit 0\); ready again [\d.]+ ms after SIGKILL/,
    );
    expect(figure(outcome, 'writesLost')).toBeGreaterThan(0);
    // It flushes every 5 s and was killed well within that: everything acknowledged before the
    // kill is gone (and the answers read just after SIGKILL was sent, from the dying process).
    expect(figure(outcome, 'writesLost')).toBeGreaterThanOrEqual(
      figure(outcome, 'writesAcknowledgedBeforeKill'),
    );
    expect((outcome.measurements?.lostWriteIds as string[] | undefined)?.[0]).toMatch(
      /^drill-kill-[0-9a-f]{8}-1$/,
    );
  });

  it('reads a list back when readPath names no {id}, and catches the same loss there', async () => {
    const { outcome } = await killDrill('write-behind', {
      path: '/v1/store',
      body: { id: '{id}' },
      readPath: '/v1/store',
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^lost [1-9]\d* acknowledged write\(s\)/);
  });
});
