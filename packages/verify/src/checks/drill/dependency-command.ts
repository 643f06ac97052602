import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { roundMs } from './process-signals.js';

/** The argv[0] the drill's shells carry (`sh -c CMD <name>`), so `ps` shows whose they are. */
export const DRILL_SHELL_NAME = 'bulwark-drill-dependency';
/** Output kept per command: the tail, where the error is. */
const OUTPUT_LIMIT = 16_384;

export interface CommandResult {
  readonly command: string;
  readonly ok: boolean;
  /** One line: `exited 0`, `exited 1`, `killed by SIGTERM`, `did not finish within 60000 ms`. */
  readonly outcome: string;
  readonly ms: number;
  /** stdout and stderr interleaved, the last OUTPUT_LIMIT characters. */
  readonly output: string;
}

/**
 * Runs a plan's stop or start command with `/bin/sh -c` from the plan's directory and waits for
 * it, bounded by `timeoutMs` (past it the command's process group is killed). It is not
 * cancelled by Ctrl-C: a half-run stop or start leaves the dependency in an unknown state, and
 * the undo step needs the stop to have finished before it starts the dependency again. It runs
 * in its own session for the same reason: a terminal's Ctrl-C goes to the whole foreground
 * process group, and must not kill a `start` the cleanup is waiting for.
 *
 * Done when the shell exits, not when its output closes: a start command may leave a server
 * running that still holds the pipes (redirect its output, as `pg_ctl -l` does, to keep it).
 */
export function runCommand(
  command: string,
  cwd: string,
  timeoutMs: number,
): Promise<CommandResult> {
  const started = performance.now();
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command, DRILL_SHELL_NAME], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const finish = (outcome: string, ok: boolean) => {
      clearTimeout(timer);
      // Whatever still holds the pipes (a server the command started) must not keep this
      // process alive; what it writes is read and dropped.
      for (const stream of [child.stdout, child.stderr]) release(stream);
      resolve({ command, ok, outcome, ms: roundMs(performance.now() - started), output });
    };
    child.once('error', (error) => finish(`could not run: ${error.message}`, false));
    child.once('exit', (code, signal) => {
      if (timedOut) finish(`did not finish within ${timeoutMs} ms; killed`, false);
      else if (signal) finish(`killed by ${signal}`, false);
      else finish(`exited ${code}`, code === 0);
    });
  });
}

function release(stream: Readable): void {
  stream.removeAllListeners('data');
  stream.resume();
  (stream as Readable & { unref?: () => void }).unref?.();
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** One line of a command's output for a summary: its last non-empty line, cut short. */
function lastLine(output: string): string {
  const line =
    output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** A failed stop or start command, on one line: how it ended and its last line of output. */
export function commandProblem(step: 'stop' | 'start', result: CommandResult): string {
  const line = lastLine(result.output);
  return `the ${step} command ${result.outcome}${line ? `: ${line}` : ''}`;
}
