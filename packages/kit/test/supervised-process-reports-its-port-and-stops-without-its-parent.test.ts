import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '@bulwark/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isListeningReport,
  type ListeningReport,
  PARENT_WATCH_ENV,
} from '../src/lifecycle/supervisor-link.js';

const entry = join(import.meta.dirname, 'processes', 'test-service.ts');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** The test-service fixture with an IPC channel to this process, as `bulwark up` starts it. */
function spawnSupervised(env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', tsx, entry], {
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  let buffer = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  const messages: unknown[] = [];
  proc.on('message', (message) => messages.push(message));
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child = proc;
  return { proc, lines, messages, exited };
}

const msgs = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as { msg: string; reason?: string });

describe(`a kit process started with ${PARENT_WATCH_ENV}=1 and an IPC channel`, () => {
  it('reports the port it bound, and runs its phased shutdown when the channel closes', async () => {
    const port = await freePort();
    const { proc, lines, exited } = spawnSupervised({
      PORT: String(port),
      [PARENT_WATCH_ENV]: '1',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '100',
    });
    const [report] = (await once(proc, 'message')) as [ListeningReport];
    expect(isListeningReport(report)).toBe(true);
    expect(report).toEqual({ type: 'bulwark:listening', pid: proc.pid, port });

    // What a SIGKILLed parent leaves behind: its end of the channel closes.
    proc.disconnect();
    const [code] = await exited;
    expect(code).toBe(0);
    const records = msgs(lines);
    expect(records.map((r) => r.msg)).toContain(
      'supervisor gone (its IPC channel closed); shutting down',
    );
    expect(records.find((r) => r.msg === 'shutdown started: /ready now fails')?.reason).toBe(
      'supervisor-gone',
    );
    expect(records.map((r) => r.msg)).toContain('shutdown phase drain-requests done');
    expect(records.at(-1)?.msg).toBe('shutdown complete');
  });

  it('without the variable, reports nothing and ignores the channel', async () => {
    const port = await freePort();
    const { proc, lines, messages } = spawnSupervised({ PORT: String(port) });
    for (let i = 0; i < 600 && !lines.some((line) => line.includes('ready on http')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lines.some((line) => line.includes('ready on http'))).toBe(true);
    proc.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(proc.exitCode).toBeNull();
    expect(messages).toEqual([]);
  });
});
