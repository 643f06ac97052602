import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why a drill could not find or signal its process: a fail with this one-line message. */
export class DrillTargetError extends Error {
  readonly code = 'BW_DRILL_TARGET';
}

/** The process id in a PID file (first line, decimal), checked to be a running process. */
export async function readPidFile(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DrillTargetError(
      `cannot read pid file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const first = text.split('\n')[0]?.trim() ?? '';
  const pid = Number(first);
  // 0 and 1 would signal a process group or init: never a service's own process.
  if (!/^\d+$/.test(first) || pid <= 1 || pid > 4_194_304) {
    throw new DrillTargetError(`pid file ${path} does not hold a process id`);
  }
  if (!isRunning(pid)) throw new DrillTargetError(`process ${pid} (from ${path}) is not running`);
  return pid;
}

/**
 * Signal 0 probes for the process without touching it; EPERM means it exists but is not ours.
 * A zombie (dead, not yet reaped by its parent) still answers signal 0; on Linux its state in
 * /proc says so, and a process that has died is not running, whoever has yet to reap it.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No /proc (macOS) or the process is gone this very moment: signal 0 is all we know.
    return false;
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

/** How often the drills look for a process. */
export const PROCESS_POLL_MS = 10;

/**
 * Ms from `started` (a performance.now() time) until `pid` is gone, polled; undefined when it
 * still runs at `until` or the signal ends the wait.
 */
export async function waitForExit(
  pid: number,
  started: number,
  until: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  while (!signal.aborted && performance.now() < until) {
    if (!isRunning(pid)) return roundMs(performance.now() - started);
    await sleep(PROCESS_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return isRunning(pid) ? undefined : roundMs(performance.now() - started);
}

/** Milliseconds to 0.01, the precision drills report. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DrillTargetError(
      code === 'EPERM'
        ? `not permitted to signal process ${pid}`
        : `cannot signal process ${pid}: ${code ?? String(error)}`,
    );
  }
}
