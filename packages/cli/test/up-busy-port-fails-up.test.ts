import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@bulwark/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceExitedError } from '../src/stack/start-errors.js';
import { defaultLogDir, Supervisor } from '../src/stack/supervisor.js';
import { runUp, stackDir, stackService } from './up-harness.js';

/** Someone else's stack: answers 200 to everything, as a healthy foreign service would. */
function foreignService(): Promise<Server> {
  return new Promise((done) => {
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end('{"status":"ready"}');
    });
    server.listen(0, '127.0.0.1', () => done(server));
  });
}

let foreign: Server | undefined;
afterEach(async () => {
  await new Promise((done) => (foreign ? foreign.close(done) : done(undefined)));
  foreign = undefined;
});

describe('a port that another process holds', () => {
  it('fails up at once with one line naming the port, before anything starts', async () => {
    foreign = await foreignService();
    const taken = (foreign.address() as AddressInfo).port;
    const free = await freePort();
    const { dir, file } = stackDir(`services:
  - { name: first, entry: ${stackService}, port: ${free} }
  - { name: second, entry: ${stackService}, port: ${taken} }
`);
    const { code, stdout, stderr } = await runUp(['up', '--once', '--stack', file]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      `bulwark: port ${taken} (second) is already in use on 127.0.0.1; stop what holds it (another stack?) or move this one with --port second=N or --port-base N`,
    ]);
    expect(stdout).toBe('');
    // Nothing was started: not even the first service, whose port was free.
    expect(existsSync(join(dir, '.bulwark', 'state', 'logs', 'first.log'))).toBe(false);
  });

  it('is never taken for the service: a foreign /ready 200 does not make it ready', async () => {
    // The port check runs before spawning; this is the race it cannot close (the port taken
    // between check and bind). The supervisor must see its own process die, not the answer.
    foreign = await foreignService();
    const port = (foreign.address() as AddressInfo).port;
    const { dir, file } = stackDir('services: []\n');
    const supervisor = new Supervisor({ root: dir, logDir: defaultLogDir(file), onLine: () => {} });
    const proc = supervisor.start({
      name: 'late',
      entry: stackService,
      port,
      url: `http://127.0.0.1:${port}`,
      env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0' },
    });
    const statuses: string[] = [];
    const waited = supervisor.waitReady(proc, {
      timeoutMs: 60_000,
      signal: new AbortController().signal,
      onStatus: (status) => statuses.push(status),
    });
    const error = await waited.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceExitedError);
    expect((error as Error).message).toMatch(
      new RegExp(`^late exited during startup with code 1: failed to start: .*EADDRINUSE.*${port}`),
    );
    expect((error as ServiceExitedError).tail.join('\n')).toContain('EADDRINUSE');
    // It never asked the foreign server: only the process's own report opens the /ready polls.
    expect(statuses).toEqual(['process starting']);
    await supervisor.stopAll(5_000);
  });
});
