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

const SERVICE = fileURLToPath(new URL('./processes/drill-shutdown-service.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const work = mkdtempSync(join(tmpdir(), 'bw-drill-shutdown-'));
const leftRunning: number[] = [];
afterAll(() => {
  for (const pid of leftRunning) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const pidOf = (file: string) => Number(readFileSync(file, 'utf8').trim());
/** Requests that are in flight for a while: the drain has something to finish. */
const SLOW_PATH = '/v1/work?ms=150';

async function shutdownDrill(
  mode: string,
  params: Record<string, unknown>,
  control: Record<string, string> = {},
): Promise<{ outcome: CheckOutcome; pid: number; exited: Promise<number | string> }> {
  const port = await freePort();
  const pidFile = join(work, `${mode}-${port}.pid`);
  const service = await startFixture(SERVICE, {
    PORT: String(port),
    TEST_PID_FILE: pidFile,
    TEST_SHUTDOWN: mode,
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '300',
  });
  const pid = pidOf(pidFile);
  leftRunning.push(pid);
  const outcome = await runCheck(
    'drill.shutdown',
    { maxMs: 15_000, path: SLOW_PATH, connections: 6, ...params },
    {
      service: httpService(service.url, { control: { pidFile, ...control } }),
      planDir: work,
    },
  );
  return { outcome, pid, exited: service.process.exited };
}

/** One numeric figure of the outcome; a missing one fails the test here. */
function figure(outcome: CheckOutcome, name: string): number {
  const value = outcome.measurements?.[name];
  if (typeof value !== 'number') throw new Error(`no figure ${name} in ${outcome.summary}`);
  return value;
}

// Each test starts real processes and restarts one: slow on a busy 2-core machine.
describe('drill.shutdown under load', { timeout: 180_000 }, () => {
  it('passes the kit: /ready 503 at once, every accepted request answered, drained, exited, restarted', async () => {
    const port = await freePort();
    const pidFile = join(work, 'healthy.pid');
    const env = `PORT=${port} TEST_PID_FILE=${pidFile} TEST_SHUTDOWN=healthy BULWARK_SHUTDOWN_DRAIN_DELAY_MS=300`;
    const service = await startFixture(SERVICE, {
      PORT: String(port),
      TEST_PID_FILE: pidFile,
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '300',
    });
    const first = pidOf(pidFile);
    leftRunning.push(first);
    const start = `${env} exec "${process.execPath}" --import ${TSX} "${SERVICE}" > healthy-restarted.log 2>&1`;
    const outcome = await runCheck(
      'drill.shutdown',
      { maxMs: 15_000, path: SLOW_PATH, connections: 6 },
      {
        service: httpService(service.url, { control: { pidFile: 'healthy.pid', start } }),
        planDir: work,
      },
    );
    const restarted = pidOf(pidFile);
    leftRunning.push(restarted);
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(await service.process.exited).toBe(0);
    expect(outcome.summary).toMatch(
      /^\/ready 503 after [\d.]+ ms \(limit 1000 ms\); 0 of \d+ requests on \/v1\/work\?ms=150 failed after being accepted \(limit 0\); \d+ in flight at SIGTERM, last answer [\d.]+ ms after it; exited [\d.]+ ms after SIGTERM \(limit 15000 ms\); restarted, ready again after [\d.]+ ms$/,
    );
    expect(figure(outcome, 'failedAccepted')).toBe(0);
    // Six connections with 150 ms requests: requests were in flight, and answered after SIGTERM.
    expect(figure(outcome, 'inFlightAtSignal')).toBeGreaterThan(0);
    expect(figure(outcome, 'answeredAfterSignal')).toBeGreaterThanOrEqual(
      figure(outcome, 'inFlightAtSignal'),
    );
    expect(figure(outcome, 'readyFlipMs')).toBeLessThan(figure(outcome, 'exitMs'));
    // The drain delay of 300 ms: the listener closed (if anything tried it) after the flip.
    expect(figure(outcome, 'exitMs')).toBeGreaterThanOrEqual(300);
    expect(figure(outcome, 'drainMs')).toBeGreaterThanOrEqual(0);
    expect(restarted).not.toBe(first);
    expect(isRunning(restarted)).toBe(true);
    const names = outcome.samples?.map((s) => s.name);
    expect(names).toEqual([
      'readiness: ms from the fault',
      'readiness: /ready status (0 = no answer)',
      'load /v1/work?ms=150: latency',
    ]);
    const statuses = outcome.samples?.[1]?.values ?? [];
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    expect(outcome.samples?.[2]?.values.length).toBeGreaterThan(10);
    expect(outcome.artifacts?.map((a) => a.name)).toEqual(['readiness-timeline.csv', 'load.json']);
    expect(String(outcome.artifacts?.[0]?.content)).toMatch(/^sent_ms,answered_ms,status\n/);
  });

  it('fails a service that keeps /ready 200 while it drains, naming the missing flip', async () => {
    const { outcome, exited } = await shutdownDrill('ready-stays-200', {});
    expect(await exited).toBe(0);
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^readiness did not flip: \/ready never answered 503 after SIGTERM \(it answered 200 until it stopped answering \(\w[\w-]*\) [\d.]+ ms after it\); /,
    );
    // It did drain: what it accepted, it answered.
    expect(figure(outcome, 'failedAccepted')).toBe(0);
    expect(outcome.measurements?.readyFlipMs).toBeUndefined();
  });

  it('fails a service that exits on the spot at SIGTERM: no flip, and the requests in flight dropped', async () => {
    const { outcome, exited } = await shutdownDrill('exits-at-once', {});
    expect(await exited).toBe('SIGTERM');
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^readiness did not flip: \/ready never answered 503/);
    expect(outcome.summary).toMatch(
      /; [1-9]\d* of \d+ requests on \/v1\/work\?ms=150 failed after being accepted \(/,
    );
  });

  it('fails a service that flips /ready but exits without finishing the requests in flight', async () => {
    const { outcome, exited } = await shutdownDrill('drops-in-flight', {});
    expect(await exited).toBe(0);
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^[1-9]\d* of \d+ requests on \/v1\/work\?ms=150 failed after being accepted \((reset|closed) \d+.*; limit 0\); \/ready 503 after [\d.]+ ms \(limit 1000 ms\); /,
    );
    expect(figure(outcome, 'failedAccepted')).toBeGreaterThan(0);
    expect(figure(outcome, 'failedAccepted')).toBe(
      figure(outcome, 'failedReset') +
        figure(outcome, 'failedClosed') +
        figure(outcome, 'failed5xx') +
        figure(outcome, 'failedUnanswered'),
    );
    expect(outcome.samples?.map((s) => s.name)).toContain(
      'failed after being accepted: ms from the signal',
    );
  });

  it('accepts dropped requests up to maxFailedAccepted, and a slower flip up to readyFlipWithinMs', async () => {
    const { outcome } = await shutdownDrill('drops-in-flight', { maxFailedAccepted: 1_000 });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(figure(outcome, 'failedAccepted')).toBeGreaterThan(0);
    expect(outcome.summary).toMatch(/failed after being accepted \(limit 1000\)/);
  });
});
