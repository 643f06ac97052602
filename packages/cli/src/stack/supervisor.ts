import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { ResolvedService } from './resolve-stack.js';
import { type LogLine, parseRecord, ServiceProcess } from './service-process.js';
import { ServiceExitedError, ServiceNotReadyError, WrongPortError } from './start-errors.js';

export type { LogLine } from './service-process.js';

export interface SupervisorOptions {
  /** Directory the stack file lives in: the services' working directory. */
  root: string;
  logDir: string;
  onLine: (line: LogLine) => void;
}

export interface WaitReadyOptions {
  timeoutMs: number;
  /** Aborting it (a stop signal) ends the wait with the signal's reason. */
  signal: AbortSignal;
  onStatus: (status: string) => void;
}

/**
 * Starts the stack's services as child processes, in file order, and stops them in reverse
 * order through their own phased shutdown. A service counts as ready only when the process
 * `up` started has reported the port it bound (over its IPC channel) and /ready on that port
 * answers 200; if the process exits first, the wait fails at once with its last log lines.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #running: ServiceProcess[] = [];
  readonly #logs: WriteStream[] = [];
  readonly #unexpectedExit: Promise<ServiceProcess>;
  #reportUnexpectedExit: (proc: ServiceProcess) => void = () => undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    mkdirSync(options.logDir, { recursive: true });
    this.#unexpectedExit = new Promise((resolvePromise) => {
      this.#reportUnexpectedExit = resolvePromise;
    });
    // Last resort if `up` itself ends abnormally: nothing it started outlives it.
    process.once('exit', () => this.killAll());
  }

  get services(): readonly ServiceProcess[] {
    return this.#running;
  }

  /** Resolves with the first service that exits without having been asked to stop. */
  unexpectedExit(): Promise<ServiceProcess> {
    return this.#unexpectedExit;
  }

  start(service: ResolvedService): ServiceProcess {
    const log = createWriteStream(join(this.#options.logDir, `${service.name}.log`), {
      flags: 'a',
    });
    this.#logs.push(log);
    const proc = new ServiceProcess(service, {
      root: this.#options.root,
      log,
      onLine: this.#options.onLine,
    });
    this.#running.push(proc);
    void proc.exited.then(() => {
      if (!proc.stopping) this.#reportUnexpectedExit(proc);
    });
    return proc;
  }

  /**
   * Waits until `proc` reports its port and /ready there answers 200. Rejects with a
   * StackStartError when the process exits, reports another port, or the time runs out, and
   * with the abort reason when `options.signal` is aborted.
   */
  async waitReady(proc: ServiceProcess, options: WaitReadyOptions): Promise<void> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const giveUp = AbortSignal.any([options.signal, deadline, proc.exitSignal]);
    try {
      options.onStatus('process starting');
      const report = await untilAborted(proc.listening, giveUp);
      if (report.port !== proc.service.port) {
        throw new WrongPortError(
          proc.name,
          `${proc.name} (pid ${report.pid}) listens on port ${report.port}, not on ${proc.service.port} as the stack asked (does it read PORT?)`,
          proc.tail(),
        );
      }
      for (;;) {
        const { ready, status } = await askReady(proc.url, giveUp);
        if (ready) return;
        options.onStatus(status);
        await sleep(200, undefined, { signal: giveUp });
      }
    } catch (error) {
      // Checked first: an exit aborts the wait too, and is the real cause.
      if (proc.exitStatus !== undefined) throw exitedDuringStartup(proc);
      if (options.signal.aborted) throw options.signal.reason;
      if (deadline.aborted) {
        throw new ServiceNotReadyError(
          proc.name,
          `${proc.name} was not ready within ${Math.round(options.timeoutMs / 1000)} s`,
          proc.tail(),
        );
      }
      throw error;
    }
  }

  /**
   * Stops every service, last started first: SIGTERM, then SIGKILL for any still running after
   * `graceMs`. Resolves with each service's exit code.
   */
  async stopAll(graceMs: number): Promise<Array<{ name: string; code: number }>> {
    const results: Array<{ name: string; code: number }> = [];
    for (const proc of [...this.#running].reverse()) {
      proc.terminate();
      const timer = setTimeout(() => proc.kill(), graceMs);
      const { code } = await proc.exited;
      clearTimeout(timer);
      results.push({ name: proc.name, code });
    }
    this.#running.length = 0;
    await Promise.all(this.#logs.map((log) => new Promise((done) => log.end(done))));
    this.#logs.length = 0;
    return results;
  }

  /** Kills everything at once (a second Ctrl-C while stopping). */
  killAll(): void {
    for (const proc of this.#running) proc.kill();
  }
}

/** The error for a service that exited (any code) while the stack was starting. */
export function exitedDuringStartup(proc: ServiceProcess): ServiceExitedError {
  return new ServiceExitedError(
    proc.name,
    `${proc.name} exited during startup with code ${proc.exitStatus?.code}: ${proc.cause()}`,
    proc.tail(),
  );
}

/** One /ready request, and what to show on the progress line when it is not 200. */
async function askReady(
  url: string,
  signal: AbortSignal,
): Promise<{ ready: boolean; status: string }> {
  try {
    const response = await request(`${url}/ready`, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(1_000)]),
    });
    const body = await response.body.text();
    if (response.statusCode === 200) return { ready: true, status: 'ready' };
    const answer = parseRecord(body) as { reason?: string; failing?: string[] } | undefined;
    const failing = answer?.failing?.length ? `: ${answer.failing.join(', ')}` : '';
    const reason = answer?.reason ? ` (${answer.reason}${failing})` : '';
    return { ready: false, status: `/ready ${response.statusCode}${reason}` };
  } catch (error) {
    if (signal.aborted) throw error;
    return { ready: false, status: 'not answering yet' };
  }
}

/** Resolves with `promise`, or rejects as soon as `signal` is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function defaultLogDir(stackFile: string): string {
  return join(dirname(resolve(stackFile)), '.bulwark', 'state', 'logs');
}
