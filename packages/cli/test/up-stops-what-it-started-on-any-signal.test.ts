import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@bulwark/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  isRunning,
  killAll,
  logged,
  loggedPids,
  portIsFree,
  stackDir,
  stackService,
  startUp,
} from './up-harness.js';

const stackDirs: string[] = [];
afterEach(() => {
  // Whatever a failed test left running must not leak into the next.
  for (const dir of stackDirs.splice(0)) {
    killAll([...loggedPids(dir, 'fast'), ...loggedPids(dir, 'slow')]);
  }
});

/** Two services; the second takes a minute to start, so a signal can land while it starts. */
async function slowStack() {
  const ports = [await freePort(), await freePort()] as const;
  const { dir, file } = stackDir(`services:
  - name: fast
    entry: ${stackService}
    port: ${ports[0]}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
  - name: slow
    entry: ${stackService}
    port: ${ports[1]}
    env: { TEST_STARTUP_MS: "60000", BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
`);
  stackDirs.push(dir);
  return { dir, file, ports };
}

async function nothingLeft(dir: string, ports: readonly number[]) {
  const pids = [...loggedPids(dir, 'fast'), ...loggedPids(dir, 'slow')];
  expect(pids).toHaveLength(2);
  // Generous bounds: each service runs its phased shutdown, then Node tears down tsx.
  expect(await eventually(() => pids.every((pid) => !isRunning(pid)), 20_000)).toBe(true);
  for (const port of ports) expect(await portIsFree(port)).toBe(true);
}

describe('bulwark up and signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)(
    'stops both services when %s arrives while the second is still starting',
    async (signal, exitCode) => {
      const { dir, file, ports } = await slowStack();
      const up = startUp(['up', '--stack', file]);
      await up.waitForStderr('ready  fast');
      // The second service is up and bound, inside its minute-long startup step. Starting a tsx
      // process can take tens of seconds while the suite's drills load both cores.
      expect(await eventually(() => logged(dir, 'slow', 'Server listening'), 60_000)).toBe(true);
      up.child.kill(signal);
      const { code } = await up.exited;
      expect(code).toBe(exitCode);
      expect(up.stderr()).toContain(`bulwark: ${signal} during startup; stopping what was started`);
      expect(up.stderr()).toContain('stopped  fast  exit 0');
      expect(up.stderr()).not.toContain('ready  slow');
      await nothingLeft(dir, ports);
    },
    120_000,
  );

  it('stops gracefully on one Ctrl-C that npm start delivers twice, a few ms apart', async () => {
    const port = await freePort();
    const { dir, file } = stackDir(`services:
  - name: fast
    entry: ${stackService}
    port: ${port}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "300" }
`);
    stackDirs.push(dir);
    const up = startUp(['up', '--no-probe', '--stack', file]);
    await up.waitForStderr('serving 1 service(s)');
    up.child.kill('SIGINT');
    await sleep(5);
    up.child.kill('SIGINT');
    const { code } = await up.exited;
    expect(up.stderr()).not.toContain('second signal: killing the stack');
    expect(up.stderr()).toContain('fast       shutdown phase drain-delay done');
    expect(up.stderr()).toContain('stopped  fast  exit 0');
    expect(code).toBe(0);
  });

  it('leaves no process behind when up itself is killed with SIGKILL', async () => {
    const { dir, file, ports } = await slowStack();
    const up = startUp(['up', '--stack', file]);
    await up.waitForStderr('ready  fast');
    expect(await eventually(() => logged(dir, 'slow', 'Server listening'), 30_000)).toBe(true);
    up.child.kill('SIGKILL');
    await up.exited;
    // Nobody is left to stop them: each service notices its supervisor is gone and runs its
    // own phased shutdown.
    await nothingLeft(dir, ports);
  });
});
