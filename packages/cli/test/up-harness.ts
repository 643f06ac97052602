import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Helpers for the tests of `bulwark up`, which run the real binary on real processes. */

export const repo = resolve(import.meta.dirname, '..', '..', '..');
export const bin = join(repo, 'packages', 'cli', 'bin', 'bulwark.mjs');
export const stackService = join(import.meta.dirname, 'processes', 'stack-service.ts');

export interface UpRun {
  readonly child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  stdout(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stderr contains `text`; rejects if `up` exits first or time runs out. */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
}

export function startUp(args: string[], env: Record<string, string> = {}): UpRun {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    async waitForStderr(text, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!stderr.includes(text)) {
        if (ended) throw new Error(`up exited before "${text}"; stderr:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`no "${text}" in time; stderr:\n${stderr}`);
        await sleep(50);
      }
    },
  };
}

/** Runs `up` to the end. */
export async function runUp(args: string[], env: Record<string, string> = {}) {
  const run = startUp(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** A temporary directory holding `stack.yaml` with `body`; logs land under it. */
export function stackDir(body: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-up-'));
  const file = join(dir, 'stack.yaml');
  writeFileSync(file, body);
  return { dir, file };
}

/** The pids a service logged in this stack directory (the kit puts `pid` on every line). */
export function loggedPids(dir: string, service: string): number[] {
  const file = join(dir, '.bulwark', 'state', 'logs', `${service}.log`);
  if (!existsSync(file)) return [];
  const pids = new Set<number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /"pid":(\d+)/.exec(line);
    if (match) pids.add(Number(match[1]));
  }
  return [...pids];
}

/** Whether a line containing `text` is in the service's log yet. */
export function logged(dir: string, service: string, text: string): boolean {
  const file = join(dir, '.bulwark', 'state', 'logs', `${service}.log`);
  return existsSync(file) && readFileSync(file, 'utf8').includes(text);
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () =>
      server.close(() => done(true)),
    );
  });
}

/** Polls until `check` holds or `timeoutMs` passes (a generous bound, not a measurement). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

/** Kills leftovers after a failed test, so one failure does not leak processes into the next. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
