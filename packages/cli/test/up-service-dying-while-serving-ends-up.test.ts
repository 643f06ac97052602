import { freePort } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import { loggedPids, stackDir, stackService, startUp } from './up-harness.js';

describe('a service that dies while the stack is serving', () => {
  it('ends up with exit 1, its cause and log tail, instead of an undocumented exit 13', async () => {
    const port = await freePort();
    const { dir, file } = stackDir(`services:
  - name: only
    entry: ${stackService}
    port: ${port}
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "0" }
`);
    const up = startUp(['up', '--no-probe', '--stack', file]);
    await up.waitForStderr('serving 1 service(s)');
    const [pid] = loggedPids(dir, 'only');
    expect(pid).toBeGreaterThan(0);
    // Someone else stops the service: up did not ask for it.
    process.kill(pid!, 'SIGTERM');
    const { code } = await up.exited;
    expect(code).toBe(1);
    const stderr = up.stderr();
    expect(stderr).toContain(
      'bulwark: only exited while serving with code 0: received SIGTERM; shutting down',
    );
    expect(stderr).toMatch(/last \d+ line\(s\) of .*only\.log:\n/);
    expect(stderr).toContain('  info  shutdown complete');
  });
});
