import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve('tsx')).href;

export interface SpawnedProcess {
  readonly child: ChildProcess;
  /** Every stdout line so far (the kit logs JSON there). */
  readonly lines: string[];
  /** Resolves with the first line that satisfies the predicate. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs a TypeScript entry point in a real child process, as production would run it. */
export function spawnTs(entry: string, env: Record<string, string> = {}): SpawnedProcess {
  const child = spawn(process.execPath, ['--import', tsxLoader, entry], {
    env: { ...process.env, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      for (const waiter of waiters) waiter(line);
      newline = buffer.indexOf('\n');
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });

  return {
    child,
    lines,
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    waitForLine(predicate, timeoutMs = 20_000) {
      const seen = lines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`timed out waiting for a line; last lines:\n${lines.slice(-10).join('\n')}`),
          );
        }, timeoutMs);
        const waiter = (line: string) => {
          if (!predicate(line)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(line);
        };
        waiters.add(waiter);
        exited.then(() => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(
            new Error(
              `process exited before the line; last lines:\n${lines.slice(-10).join('\n')}`,
            ),
          );
        });
      });
    },
  };
}
