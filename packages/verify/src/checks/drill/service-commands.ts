import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessTimeline } from './readiness-timeline.js';

/**
 * The plan's commands for a service (`control.start`, `control.restart`, `control.stop`), run
 * through /bin/sh from the plan's directory, and the wait for the service to be ready again.
 */

/**
 * A plan's start or restart command (`control.start`, `control.restart`), run through /bin/sh
 * from the plan's directory. It is detached and not waited for: `start` often is the service
 * itself (`npm run start:orders`), which must outlive the drill and the run. What can be known
 * is whether it failed to run or exited with an error; the service's readiness says the rest.
 */
export interface StartedCommand {
  /** Why the command failed, once it has; undefined while it runs or after it succeeded. */
  failure(): string | undefined;
}

export function runServiceCommand(
  field: 'control.start' | 'control.restart',
  command: string,
  cwd: string,
): StartedCommand {
  let failed: string | undefined;
  const child = spawn('/bin/sh', ['-c', command], { cwd, detached: true, stdio: 'ignore' });
  child.once('error', (error) => {
    failed = `${field} could not run: ${error.message}`;
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null) failed = `${field} exited with code ${code}`;
    else if (signal) failed = `${field} was killed by ${signal}`;
  });
  child.unref();
  return { failure: () => failed };
}

export interface ReadyAgain {
  /** The /ready 200 poll, or undefined when none came in time. */
  readonly answeredAt?: number;
  /** Why the wait ended without one, when a command failed or the run was aborted. */
  readonly failure?: string;
}

/**
 * Waits for the first /ready 200 polled at or after `since` (a performance.now() time), until
 * `until`; a failing start or restart command ends the wait at once with its failure.
 */
export async function awaitReadyAgain(
  timeline: ReadinessTimeline,
  since: number,
  until: number,
  command: StartedCommand | undefined,
  signal: AbortSignal,
): Promise<ReadyAgain> {
  const ready = timeline.first((status) => status === 200, since, until);
  let settled = false;
  void ready.finally(() => {
    settled = true;
  });
  while (!settled && !signal.aborted) {
    const failed = command?.failure();
    if (failed) return { failure: failed };
    await Promise.race([
      ready,
      sleep(COMMAND_POLL_MS, undefined, { signal }).catch(() => undefined),
    ]);
  }
  if (signal.aborted) return { failure: 'aborted' };
  const point = await ready;
  return point ? { answeredAt: point.answeredAt } : {};
}

/** How often a wait looks whether the start or restart command has failed. */
const COMMAND_POLL_MS = 50;

export interface StopCommand {
  /** Resolves with the ms the command took and its exit code, or undefined past `until`. */
  readonly finished: Promise<{ ms: number; code: number | null } | undefined>;
  /** Ends the command if it still runs (the drill's cleanup). */
  kill(): void;
}

/**
 * `control.stop` (`docker compose stop orders`): it returns once the service has stopped, so
 * its duration is the time to exit as the platform sees it. Waited for until `until`.
 */
export function runStopCommand(
  command: string,
  cwd: string,
  started: number,
  until: number,
): StopCommand {
  const child: ChildProcess = spawn('/bin/sh', ['-c', command], { cwd, stdio: 'ignore' });
  const finished = new Promise<{ ms: number; code: number | null } | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), Math.max(0, until - performance.now()));
    const done = (code: number | null) => {
      clearTimeout(timer);
      resolve({ ms: Math.round((performance.now() - started) * 100) / 100, code });
    };
    child.once('error', () => done(127));
    child.once('exit', (code, signal) => done(signal ? 128 : code));
  });
  return {
    finished,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
