import { expect, vi } from 'vitest';
import { main } from '../src/main.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process (a child process per call costs about a second on this machine):
 * the environment is swapped in for the call, and stdout/stderr writes are captured.
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  const values = { NO_COLOR: '1', ...env };
  const saved = new Map(Object.keys(values).map((name) => [name, process.env[name]]));
  const setEnv = (values: Iterable<[string, string | undefined]>) => {
    for (const [name, value] of values) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => out.push(String(chunk)) > 0);
  const stderr = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => err.push(String(chunk)) > 0);
  setEnv(Object.entries(values));
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    setEnv(saved);
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** A failure is one line on stderr, exit 2, and never a stack trace. */
export function expectOneLineFailure(run: Run, text: string | RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(text);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}
