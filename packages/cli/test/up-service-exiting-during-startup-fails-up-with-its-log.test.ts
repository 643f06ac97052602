import { join } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import { runUp, stackDir, stackService } from './up-harness.js';

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
});
