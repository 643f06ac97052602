import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import { loggedPids, runUp, stackDir, stackService, startUp } from './up-harness.js';

describe('a service that exits during startup', () => {
  it('fails up with exit 2, the cause on one line, then the last 20 lines it logged', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const { dir, file } = stackDir(`services:
  - name: first
    entry: ${stackService}
    port: ${first}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
  - name: second
    entry: ${stackService}
    port: ${second}
    env: { TEST_FAIL_STARTUP: "schema v7 is newer than this build" }
`);
    const { code, stderr } = await runUp(['up', '--once', '--stack', file]);
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split('\n');
    const at = lines.findIndex((line) => line.startsWith('bulwark: '));
    expect(lines.slice(0, at)).toEqual([`ready  first  http://127.0.0.1:${first}`]);
    expect(lines[at]).toBe(
      'bulwark: second exited during startup with code 1: failed to start: schema v7 is newer than this build',
    );
    expect(lines[at + 1]).toBe(
      `last 20 line(s) of ${join(dir, '.bulwark', 'state', 'logs', 'second.log')}:`,
    );
    const tail = lines.slice(at + 2, at + 22);
    expect(tail.every((line) => line.startsWith('  '))).toBe(true);
    // The tail ends with the shutdown that followed the failure, and reaches back to the steps
    // before it; the earliest steps are left out.
    expect(tail).toContain(
      '  fatal failed to start: schema v7 is newer than this build [BW_STARTUP_FAILED]',
    );
    expect(tail).toContain('  info  migration step 25');
    expect(tail).not.toContain('  info  migration step 1');
    expect(tail.at(-1)).toBe('  info  shutdown complete');
    // What was started is stopped; no stack trace anywhere.
    expect(stderr).toContain('stopped  first  exit 0');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('fails up with exit 2 at once when an earlier service dies while a later one starts', async () => {
    const [first, second] = [await freePort(), await freePort()];
    const { dir, file } = stackDir(`services:
  - name: first
    entry: ${stackService}
    port: ${first}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
  - name: second
    entry: ${stackService}
    port: ${second}
    env: { TEST_STARTUP_MS: "30000" }
`);
    const up = startUp(['up', '--once', '--stack', file]);
    await up.waitForStderr('ready  first');
    const [pid] = loggedPids(dir, 'first');
    expect(pid).toBeGreaterThan(0);
    // Someone else stops first while second is still warming up (up's timeout is 60 s).
    const killedAt = Date.now();
    process.kill(pid!, 'SIGTERM');
    const ended = await Promise.race([up.exited, sleep(15_000).then(() => undefined)]);
    if (ended === undefined) up.child.kill('SIGTERM');
    const { code } = await up.exited;
    expect(ended, `up did not notice first's exit; stderr:\n${up.stderr()}`).toBeDefined();
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(code).toBe(2);
    const stderr = up.stderr();
    expect(stderr).toContain(
      'bulwark: first exited during startup with code 0: received SIGTERM; shutting down',
    );
    expect(stderr).toContain(
      `line(s) of ${join(dir, '.bulwark', 'state', 'logs', 'first.log')}:\n`,
    );
    expect(stderr).toContain('  info  shutdown complete');
    expect(stderr).not.toContain('bulwark: second');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
