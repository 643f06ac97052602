import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../src/exit-codes.js';
import { RestartBudget, restartSettings } from '../src/stack/restart-policy.js';
import { loadStackFile } from '../src/stack/stack-file.js';
import {
  eventually,
  isRunning,
  killAll,
  loggedPids,
  stackDir,
  stackService,
  startUp,
  type UpRun,
} from './up-harness.js';

const pidFile = (dir: string, service: string) =>
  join(dir, '.bulwark', 'state', 'pids', `${service}.pid`);
const pidIn = (file: string) =>
  existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;

async function readyStatus(port: number): Promise<number | string> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/ready`)).status;
  } catch (error) {
    return String((error as Error).cause ?? error);
  }
}

let leftovers: number[] = [];
let ups: UpRun[] = [];
/** `up` under test, stopped after the test even when an assertion failed first. */
function upWith(args: string[]): UpRun {
  const run = startUp(args);
  ups.push(run);
  return run;
}
afterEach(async () => {
  for (const run of ups) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
    await run.exited;
  }
  ups = [];
  killAll(leftovers);
  leftovers = [];
});

// Each test starts real processes and restarts one: slow on a busy 2-core machine.
describe('bulwark up restarts a service by its restart policy', { timeout: 180_000 }, () => {
  it('brings back a service killed with SIGKILL, updates its pid file, keeps serving, and removes the file on stop', async () => {
    const port = await freePort();
    const { dir, file } = stackDir(`services:
  - name: only
    entry: ${stackService}
    port: ${port}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
    restart: on-failure
`);
    const up = upWith(['up', '--no-probe', '--stack', file]);
    await up.waitForStderr('serving 1 service(s)');
    const first = pidIn(pidFile(dir, 'only'));
    expect(first).toBe(loggedPids(dir, 'only')[0]);
    leftovers.push(first!);

    process.kill(first!, 'SIGKILL');
    await up.waitForStderr(`(restarted as pid`);
    const second = pidIn(pidFile(dir, 'only'));
    leftovers.push(second!);
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);
    expect(isRunning(second!)).toBe(true);
    expect(isRunning(first!)).toBe(false);
    expect(await readyStatus(port)).toBe(200);
    const stderr = up.stderr();
    expect(stderr).toContain(
      'restart  only  exited with code 137 (killed by SIGKILL); restart 1 of 5 within 60 s, in 100 ms',
    );
    expect(stderr).toMatch(
      new RegExp(
        `ready  only  http://127\\.0\\.0\\.1:${port}  \\(restarted as pid ${second}; down \\d+ ms\\)`,
      ),
    );
    expect(loggedPids(dir, 'only')).toEqual([first, second]);

    // Still serving: a stop signal is the ordinary end, with the verdict of a clean stop.
    up.child.kill('SIGTERM');
    const { code } = await up.exited;
    expect(code).toBe(0);
    expect(up.stderr()).toContain('stopped  only  exit 0');
    expect(existsSync(pidFile(dir, 'only'))).toBe(false);
  });

  it('restarts an `always` service after a clean exit, and ends up when an `on-failure` one exits with 0', async () => {
    const [alwaysPort, onFailurePort] = [await freePort(), await freePort()];
    const { dir, file } = stackDir(`services:
  - name: keeper
    entry: ${stackService}
    port: ${alwaysPort}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
    restart: always
  - name: strict
    entry: ${stackService}
    port: ${onFailurePort}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
    restart: { policy: on-failure, backoffMs: 0 }
`);
    const up = upWith(['up', '--no-probe', '--stack', file]);
    await up.waitForStderr('serving 2 service(s)');
    const keeper = pidIn(pidFile(dir, 'keeper'))!;
    const strict = pidIn(pidFile(dir, 'strict'))!;
    leftovers.push(keeper, strict);

    process.kill(keeper, 'SIGTERM');
    await up.waitForStderr('(restarted as pid');
    expect(up.stderr()).toContain(
      'restart  keeper  exited with code 0 (received SIGTERM; shutting down); restart 1 of 5',
    );
    const keeperAgain = pidIn(pidFile(dir, 'keeper'))!;
    leftovers.push(keeperAgain);
    expect(keeperAgain).not.toBe(keeper);

    process.kill(strict, 'SIGTERM');
    const { code } = await up.exited;
    expect(code).toBe(1);
    expect(up.stderr()).toContain(
      'bulwark: strict exited while serving with code 0: received SIGTERM; shutting down (not restarted: restart: on-failure, and it exited with 0)',
    );
    expect(up.stderr()).toContain('stopped  keeper  exit 0');
    expect(isRunning(keeperAgain)).toBe(false);
    expect(existsSync(pidFile(dir, 'keeper'))).toBe(false);
    expect(existsSync(pidFile(dir, 'strict'))).toBe(false);
  });

  it('stops restarting past maxRestarts within the window and ends up with exit 1', async () => {
    const port = await freePort();
    const { dir, file } = stackDir(`services:
  - name: only
    entry: ${stackService}
    port: ${port}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
    restart: { policy: on-failure, maxRestarts: 1, windowSeconds: 600, backoffMs: 0 }
`);
    const up = upWith(['up', '--no-probe', '--stack', file]);
    await up.waitForStderr('serving 1 service(s)');
    const first = pidIn(pidFile(dir, 'only'))!;
    leftovers.push(first);
    process.kill(first, 'SIGKILL');
    await up.waitForStderr('(restarted as pid');
    const second = pidIn(pidFile(dir, 'only'))!;
    leftovers.push(second);
    process.kill(second, 'SIGKILL');
    const { code } = await up.exited;
    expect(code).toBe(1);
    expect(up.stderr()).toContain(
      "bulwark: only exited while serving with code 137: killed by SIGKILL (not restarted: restarted 1 time(s) within 600 s, the stack file's limit)",
    );
    expect(await eventually(() => !existsSync(pidFile(dir, 'only')), 5_000)).toBe(true);
  });

  it('never restarts a service that exits before it was first ready: that fails up at once', async () => {
    const port = await freePort();
    const { file } = stackDir(`services:
  - name: broken
    entry: ${stackService}
    port: ${port}
    env: { TEST_FAIL_STARTUP: "schema v7 is newer than this build" }
    restart: always
`);
    const up = upWith(['up', '--no-probe', '--stack', file]);
    const { code } = await up.exited;
    expect(code).toBe(2);
    expect(up.stderr()).toContain('bulwark: broken exited during startup with code 1');
    expect(up.stderr()).not.toContain('restart  broken');
  });

  it.each([
    ['an unknown policy', 'restart: sometimes'],
    ['a limit out of range', 'restart: { policy: always, maxRestarts: -1 }'],
    ['an unknown field', 'restart: { policy: always, tries: 3 }'],
  ])('refuses %s in one line', async (_name, field) => {
    const { file } = stackDir(
      `services:\n  - name: a\n    entry: x.ts\n    port: 8080\n    ${field}\n`,
    );
    const error = await loadStackFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `stack file ${file}: /services/0/restart must be no, on-failure, always, or { policy, maxRestarts (0-1000), windowSeconds (>0), backoffMs (0-60000) }`,
    );
  });

  it('defaults to no restart, and reads the short and the long form', async () => {
    const { file } = stackDir(`services:
  - { name: a, entry: x.ts, port: 8080 }
  - { name: b, entry: x.ts, port: 8081, restart: on-failure }
  - name: c
    entry: x.ts
    port: 8082
    restart: { policy: always, maxRestarts: 2, windowSeconds: 30, backoffMs: 250 }
`);
    const stack = await loadStackFile(file);
    expect(stack.services.map((s) => s.restart)).toEqual([
      undefined,
      'on-failure',
      { policy: 'always', maxRestarts: 2, windowSeconds: 30, backoffMs: 250 },
    ]);
  });

  it('doubles the backoff for each restart within the window, caps it, and forgets restarts past the window', () => {
    const budget = new RestartBudget(
      restartSettings({
        policy: 'on-failure',
        maxRestarts: 10,
        windowSeconds: 60,
        backoffMs: 1000,
      }),
    );
    const delays = [0, 1, 2, 3, 4, 5].map((i) => budget.decide(137, i * 1000));
    expect(delays.map((d) => (d.restart ? d.delayMs : -1))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    // Sixty seconds after the first ones, they no longer count.
    expect(budget.decide(137, 65_500)).toEqual({ restart: true, delayMs: 1000, attempt: 1 });
  });
});
