import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceControl } from '../../plan/schema.js';
import type { HttpProbeClient } from '../live/http.js';
import { DrillTargetError, readPidFile, sendSignal, waitForExit } from './process-signals.js';

/**
 * How the soak restarts a service on its schedule, through the plan's `control` section:
 * - restart:    `control.restart`, a command that returns once the service was restarted
 *               (`docker compose restart api`, `kubectl rollout restart ...`);
 * - stop-start: `control.stop` (returns once stopped), then `control.start`;
 * - sigterm:    SIGTERM to the process in `control.pidFile`, its exit awaited, then `control.start`.
 * `control.start` may stay in the foreground (a local process): it is left running, detached.
 * `auto` takes the first of those the control section allows.
 */
export const RESTART_HOWS = ['auto', 'restart', 'stop-start', 'sigterm'] as const;
export type RestartHow = (typeof RESTART_HOWS)[number];
export type RestartMethod = Exclude<RestartHow, 'auto'>;

/** The method to use, or why the control section allows none (a skip). */
export function restartMethod(
  control: ServiceControl | undefined,
  how: RestartHow,
): { method: RestartMethod } | { missing: string } {
  if (!control) return { missing: 'no control section: nothing to restart it with' };
  const can: Record<RestartMethod, string | undefined> = {
    restart: control.restart ? undefined : 'control.restart',
    'stop-start': control.stop
      ? control.start
        ? undefined
        : 'control.start'
      : control.start
        ? 'control.stop'
        : 'control.stop and control.start',
    sigterm: control.pidFile
      ? control.start
        ? undefined
        : 'control.start'
      : control.start
        ? 'control.pidFile'
        : 'control.pidFile and control.start',
  };
  if (how !== 'auto') {
    const lacking = can[how];
    return lacking === undefined
      ? { method: how }
      : { missing: `restartHow ${how} needs ${lacking}` };
  }
  for (const method of ['restart', 'stop-start', 'sigterm'] as const) {
    if (can[method] === undefined) return { method };
  }
  return {
    missing:
      'its control section has neither restart, stop and start, nor pidFile and start: nothing to restart it with',
  };
}

export interface RestartResult {
  readonly ok: boolean;
  /** Ms from the start of the restart until /ready answered 200 again. */
  readonly readyMs?: number;
  /** One phrase: why it failed. */
  readonly problem?: string;
}

export interface RestarterOptions {
  readonly control: ServiceControl;
  readonly method: RestartMethod;
  readonly planDir: string;
  readonly readyUrl: URL;
  readonly client: HttpProbeClient;
  /** How long a stop (command or SIGTERM) may take. */
  readonly stopWithinMs: number;
  /** How long the service gets to answer /ready 200 after it was started again. */
  readonly readyWithinMs: number;
}

const POLL_MS = 50;
const READY_BODY_LIMIT = 65_536;
const OUTPUT_LIMIT = 2_000;

/** Restarts one service and knows whether it is up, so cleanup can bring it back. */
export class ServiceRestarter {
  #state: 'up' | 'stopping' | 'down' | 'starting' = 'up';
  #stoppingPid: number | undefined;
  #startFailure: string | undefined;

  readonly #options: RestarterOptions;

  constructor(options: RestarterOptions) {
    this.#options = options;
  }

  async restart(signal: AbortSignal): Promise<RestartResult> {
    const started = performance.now();
    const { control, method } = this.#options;
    try {
      if (method === 'restart') {
        this.#state = 'starting';
        await this.#run(
          control.restart as string,
          'control.restart',
          this.#options.stopWithinMs,
          signal,
        );
      } else {
        this.#state = 'stopping';
        if (method === 'stop-start') {
          await this.#run(
            control.stop as string,
            'control.stop',
            this.#options.stopWithinMs,
            signal,
          );
        } else {
          const pid = await readPidFile(resolve(this.#options.planDir, control.pidFile as string));
          this.#stoppingPid = pid;
          sendSignal(pid, 'SIGTERM');
          await this.#awaitExit(pid, signal);
        }
        this.#state = 'down';
        this.#start();
      }
      if (signal.aborted) return { ok: false, problem: 'aborted' };
      await this.#awaitReady(signal);
      return { ok: true, readyMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (error instanceof DrillTargetError) return { ok: false, problem: error.message };
      throw error;
    }
  }

  /**
   * The cleanup step: whatever a restart left (stopping, stopped, starting), bring the service
   * back to ready, with its own deadlines (the run's signal may be the reason cleanup runs).
   */
  async ensureRunning(): Promise<void> {
    const signal = new AbortController().signal;
    if (this.#state === 'up') return;
    if (this.#state === 'stopping' && this.#stoppingPid !== undefined) {
      await this.#awaitExit(this.#stoppingPid, signal);
      this.#state = 'down';
    }
    if (this.#state === 'down') this.#start();
    await this.#awaitReady(signal);
  }

  async #awaitExit(pid: number, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const gone = await waitForExit(pid, started, started + this.#options.stopWithinMs, signal);
    if (gone === undefined) {
      throw new DrillTargetError(
        signal.aborted
          ? 'aborted while the service was stopping'
          : `process ${pid} still running ${this.#options.stopWithinMs} ms after SIGTERM`,
      );
    }
    this.#stoppingPid = undefined;
  }

  /** control.start, detached: a local service stays in its foreground and outlives the drill. */
  #start(): void {
    this.#state = 'starting';
    this.#startFailure = undefined;
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', this.#options.control.start as string], {
        cwd: this.#options.planDir,
        detached: true,
        stdio: 'ignore',
      });
    } catch (error) {
      throw new DrillTargetError(`control.start could not run: ${(error as Error).message}`);
    }
    child.once('error', (error) => {
      this.#startFailure = `control.start could not run: ${error.message}`;
    });
    child.once('exit', (code, killedBy) => {
      if (code !== 0 && code !== null)
        this.#startFailure = `control.start exited with code ${code}`;
      else if (killedBy) this.#startFailure = `control.start was killed by ${killedBy}`;
    });
    child.unref();
  }

  async #awaitReady(signal: AbortSignal): Promise<void> {
    const until = performance.now() + this.#options.readyWithinMs;
    while (performance.now() < until) {
      if (signal.aborted) throw new DrillTargetError('aborted before the service was ready again');
      if (this.#startFailure) throw new DrillTargetError(this.#startFailure);
      const exchange = await this.#options.client.get(this.#options.readyUrl, {
        maxBodyBytes: READY_BODY_LIMIT,
        signal,
      });
      if (exchange.kind === 'answer' && exchange.status === 200) {
        this.#state = 'up';
        return;
      }
      await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
    }
    throw new DrillTargetError(
      `not ready within ${this.#options.readyWithinMs} ms of being started again`,
    );
  }

  /** A command that must finish (restart, stop), its process group ended at the deadline. */
  async #run(command: string, label: string, withinMs: number, signal: AbortSignal): Promise<void> {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: this.#options.planDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString('utf8');
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const ended = new Promise<{ code: number | null; error?: string }>((done) => {
      child.once('error', (error) => done({ code: null, error: error.message }));
      child.once('exit', (code) => done({ code }));
    });
    const timer = setTimeout(() => killGroup(child), withinMs);
    const onAbort = () => killGroup(child);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const { code, error } = await ended;
      if (error) throw new DrillTargetError(`${label} could not run: ${error}`);
      if (signal.aborted) throw new DrillTargetError(`aborted while ${label} ran`);
      if (code !== 0) {
        const said = output.trim().split('\n').at(-1)?.slice(0, 200);
        throw new DrillTargetError(
          code === null
            ? `${label} did not finish within ${withinMs} ms`
            : `${label} exited with code ${code}${said ? `: ${said}` : ''}`,
        );
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
