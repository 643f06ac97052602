import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning } from '../src/checks/drill/process-signals.js';
import { httpService, KIT_SERVICE, runCheck, startFixture } from './checks-harness.js';

const work = mkdtempSync(join(tmpdir(), 'bw-drill-'));
const leftRunning: number[] = [];
afterAll(() => {
  for (const pid of leftRunning) if (isRunning(pid)) process.kill(pid, 'SIGTERM');
  rmSync(work, { recursive: true, force: true });
});

/** The plan's directory is a temporary one: tsx is named by its full path. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const pidOf = (file: string) => Number(readFileSync(file, 'utf8').trim());

describe('drill.shutdown', () => {
  it('SIGTERMs the process, measures ready-stop and exit, and restarts it with control.start', async () => {
    const port = await freePort();
    const pidFile = join(work, 'service.pid');
    // A drain delay, so load balancers (the drill's load) see /ready 503 before the listener closes.
    const first = await startFixture(KIT_SERVICE, {
      PORT: String(port),
      TEST_PID_FILE: pidFile,
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '200',
    });
    const firstPid = pidOf(pidFile);
    // The restart runs from the plan's directory, with the same port and pid file.
    const start = `PORT=${port} TEST_PID_FILE=${pidFile} BULWARK_SHUTDOWN_DRAIN_DELAY_MS=0 exec "${process.execPath}" --import ${TSX} "${KIT_SERVICE}" > restarted.log 2>&1`;
    const outcome = await runCheck(
      'drill.shutdown',
      { maxMs: 20_000 },
      {
        service: httpService(first.url, { control: { pidFile: 'service.pid', start } }),
        planDir: work,
      },
    );
    const restartedPid = pidOf(pidFile);
    leftRunning.push(restartedPid);
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(await first.process.exited).toBe(0);
    expect(outcome.summary).toMatch(
      /^\/ready 503 after [\d.]+ ms \(limit 1000 ms\); 0 of \d+ requests on \/live failed after being accepted \(limit 0\); \d+ in flight at SIGTERM, last answer [\d.]+ ms after it; exited [\d.]+ ms after SIGTERM \(limit 20000 ms\); restarted, ready again after [\d.]+ ms$/,
    );
    expect(outcome.measurements).toMatchObject({ pid: firstPid, maxMs: 20_000 });
    const { exitMs, readyStoppedMs } = outcome.measurements as Record<string, number>;
    expect(readyStoppedMs).toBeLessThanOrEqual(exitMs as number);
    expect(outcome.targetVersion).toBe('1.2.3');
    expect(restartedPid).not.toBe(firstPid);
    expect(isRunning(restartedPid)).toBe(true);
    expect((await fetch(`${first.url}/ready`)).status).toBe(200);
  });

  it('fails a shutdown slower than maxMs, and says it did not restart', async () => {
    const pidFile = join(work, 'slow.pid');
    const service = await startFixture(KIT_SERVICE, { TEST_PID_FILE: pidFile });
    const outcome = await runCheck(
      'drill.shutdown',
      { maxMs: 1 },
      {
        service: httpService(service.url, { control: { pidFile } }),
      },
    );
    await service.process.exited;
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /(^|; )exited [\d.]+ ms after SIGTERM: over the 1 ms limit; .*not restarted \(no control.start\)$/,
    );
  });

  it('skips a service without control, and without a pid file, saying why', async () => {
    const bare = await runCheck(
      'drill.shutdown',
      { maxMs: 1000 },
      {
        service: httpService('http://127.0.0.1:9'),
      },
    );
    expect(bare).toMatchObject({
      status: 'skip',
      reason: 'service svc has no control section: nothing to signal',
    });
    const compose = await runCheck(
      'drill.shutdown',
      { maxMs: 1000 },
      {
        service: httpService('http://127.0.0.1:9', {
          control: { compose: { file: 'compose.yaml', service: 'svc' } },
        }),
      },
    );
    expect(compose.status).toBe('skip');
    expect(compose.reason).toMatch(/^service svc has neither control.pidFile nor control.stop/);
  });

  it('fails, signalling nothing, when the pid file is missing, bogus or names no process', async () => {
    const run = (pidFile: string) =>
      runCheck(
        'drill.shutdown',
        { maxMs: 1000 },
        {
          service: httpService('http://127.0.0.1:9', { control: { pidFile } }),
          planDir: work,
        },
      );
    expect((await run('absent.pid')).summary).toBe(
      `cannot read pid file ${join(work, 'absent.pid')}: ENOENT`,
    );
    writeFileSync(join(work, 'bogus.pid'), '1\n');
    expect((await run('bogus.pid')).summary).toBe(
      `pid file ${join(work, 'bogus.pid')} does not hold a process id`,
    );
    writeFileSync(join(work, 'gone.pid'), '4194000\n');
    expect((await run('gone.pid')).summary).toBe(
      `process 4194000 (from ${join(work, 'gone.pid')}) is not running`,
    );
  });
});
