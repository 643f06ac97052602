import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import { PidFiles } from './pid-files.js';
import type { ResolvedService } from './resolve-stack.js';
import { RESTART_DEFAULTS, RestartBudget } from './restart-policy.js';
import { type LogLine, parseRecord, ServiceProcess } from './service-process.js';
import { ServiceExitedError, ServiceNotReadyError, WrongPortError } from './start-errors.js';

export type { LogLine } from './service-process.js';

export interface SupervisorOptions {
  /** Directory the stack file lives in: the services' working directory. */
  root: string;
  logDir: string;
  /** Where each running service's pid file is kept (pid-files.ts); default: `pids` beside logDir. */
  pidDir?: string;
  onLine: (line: LogLine) => void;
  /** What the restart policy did; `up` prints it. */
  onRestart?: (event: RestartEvent) => void;
  /** How long a restarted process may take to answer /ready 200 before that is reported. */
  restartReadyTimeoutMs?: number;
  /**
   * What asks /ready of a service that serves HTTPS: an agent that trusts the development CA
   * (dev-credentials.ts). Plain-HTTP services need none.
   */
  dispatcher?: Dispatcher;
}

/** A service exited while serving and its restart policy brings it back, or brought it back. */
export type RestartEvent =
  | {
      readonly kind: 'restarting';
      readonly service: string;
      readonly code: number;
      readonly cause: string;
      readonly delayMs: number;
      /** 1 for the first restart within the policy's window. */
      readonly attempt: number;
      readonly maxRestarts: number;
      readonly windowSeconds: number;
    }
  | {
      readonly kind: 'restarted';
      readonly service: string;
      readonly pid: number;
      readonly url: string;
      /** From the exit to /ready 200 on the new process. */
      readonly downMs: number;
    }
  | {
      readonly kind: 'not-ready';
      readonly service: string;
      readonly pid: number;
      readonly afterMs: number;
    };

/** A service that exited without being asked to, and stays down. */
export interface UnexpectedExit {
  readonly proc: ServiceProcess;
  /** Set when its policy restarts services but did not restart this exit: why not. */
  readonly notRestarted?: string;
}

const DEFAULT_RESTART_READY_TIMEOUT_MS = 60_000;

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
 * A service that has been ready and then exits on its own is restarted when its restart policy
 * says so (restart-policy.ts); otherwise, or past the policy's limit, that exit is reported
 * through `unexpectedExit`. Each running process's id is kept in its pid file.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #running: ServiceProcess[] = [];
  readonly #logs = new Map<string, WriteStream>();
  readonly #pids: PidFiles;
  readonly #budgets = new Map<string, RestartBudget>();
  /** Services that have answered /ready 200 at least once: only those are restarted. */
  readonly #everReady = new Set<string>();
  readonly #pendingRestarts = new Set<NodeJS.Timeout>();
  #stopping = false;
  readonly #unexpectedExit: Promise<UnexpectedExit>;
  #reportUnexpectedExit: (exit: UnexpectedExit) => void = () => undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    mkdirSync(options.logDir, { recursive: true });
    this.#pids = new PidFiles(options.pidDir ?? join(options.logDir, '..', 'pids'));
    this.#unexpectedExit = new Promise((resolvePromise) => {
      this.#reportUnexpectedExit = resolvePromise;
    });
    // Last resort if `up` itself ends abnormally: nothing it started outlives it, and no pid
    // file is left naming a process that is going away.
    process.once('exit', () => {
      this.killAll();
      for (const proc of this.#running) {
        if (proc.child.pid !== undefined) this.#pids.remove(proc.name, proc.child.pid);
      }
    });
  }

  get services(): readonly ServiceProcess[] {
    return this.#running;
  }

  /** The pid file `up` keeps for `service`. */
  pidFileOf(service: string): string {
    return this.#pids.pathOf(service);
  }

  /** Resolves with the first service that exits without having been asked to stop and stays down. */
  unexpectedExit(): Promise<UnexpectedExit> {
    return this.#unexpectedExit;
  }

  start(service: ResolvedService): ServiceProcess {
    this.#budgets.set(service.name, new RestartBudget(service.restart ?? RESTART_DEFAULTS));
    const proc = this.#spawn(service);
    this.#running.push(proc);
    return proc;
  }

  #spawn(service: ResolvedService): ServiceProcess {
    let log = this.#logs.get(service.name);
    if (!log) {
      log = createWriteStream(join(this.#options.logDir, `${service.name}.log`), { flags: 'a' });
      this.#logs.set(service.name, log);
    }
    const proc = new ServiceProcess(service, {
      root: this.#options.root,
      log,
      onLine: this.#options.onLine,
    });
    const pid = proc.child.pid;
    if (pid !== undefined) this.#pids.write(service.name, pid);
    void proc.exited.then(() => {
      if (pid !== undefined) this.#pids.remove(service.name, pid);
      this.#exited(proc);
    });
    return proc;
  }

  /** An exit nobody asked for: restart it, or report it. */
  #exited(proc: ServiceProcess): void {
    if (proc.stopping || this.#stopping) return;
    const exitedAt = performance.now();
    const code = proc.exitStatus?.code ?? 1;
    const budget = this.#budgets.get(proc.name);
    if (!budget || budget.settings.policy === 'no' || !this.#everReady.has(proc.name)) {
      this.#reportUnexpectedExit({ proc });
      return;
    }
    const decision = budget.decide(code, exitedAt);
    if (!decision.restart) {
      this.#reportUnexpectedExit({ proc, notRestarted: decision.why });
      return;
    }
    this.#options.onRestart?.({
      kind: 'restarting',
      service: proc.name,
      code,
      cause: proc.cause(),
      delayMs: decision.delayMs,
      attempt: decision.attempt,
      maxRestarts: budget.settings.maxRestarts,
      windowSeconds: budget.settings.windowSeconds,
    });
    const timer = setTimeout(() => {
      this.#pendingRestarts.delete(timer);
      if (this.#stopping) return;
      const next = this.#spawn(proc.service);
      const index = this.#running.indexOf(proc);
      if (index >= 0) this.#running[index] = next;
      else this.#running.push(next);
      void this.#watchRestarted(next, exitedAt);
    }, decision.delayMs);
    this.#pendingRestarts.add(timer);
  }

  /** Reports when a restarted process is ready again (or that it is not, after the timeout). */
  async #watchRestarted(proc: ServiceProcess, exitedAt: number): Promise<void> {
    const timeoutMs = this.#options.restartReadyTimeoutMs ?? DEFAULT_RESTART_READY_TIMEOUT_MS;
    const giveUp = AbortSignal.any([AbortSignal.timeout(timeoutMs), proc.exitSignal]);
    try {
      await untilAborted(proc.listening, giveUp);
      for (;;) {
        if ((await askReady(proc.url, giveUp, this.#options.dispatcher)).ready) break;
        await sleep(50, undefined, { signal: giveUp });
      }
    } catch {
      // Its exit is handled by its own exit handler; only a process still running is late.
      if (proc.exitStatus === undefined && !proc.stopping && proc.child.pid !== undefined) {
        this.#options.onRestart?.({
          kind: 'not-ready',
          service: proc.name,
          pid: proc.child.pid,
          afterMs: timeoutMs,
        });
      }
      return;
    }
    this.#options.onRestart?.({
      kind: 'restarted',
      service: proc.name,
      pid: proc.child.pid ?? 0,
      url: proc.url,
      downMs: Math.round(performance.now() - exitedAt),
    });
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
        const { ready, status } = await askReady(proc.url, giveUp, this.#options.dispatcher);
        if (ready) {
          this.#everReady.add(proc.name);
          return;
        }
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
    this.#cancelRestarts();
    const results: Array<{ name: string; code: number }> = [];
    for (const proc of [...this.#running].reverse()) {
      proc.terminate();
      const timer = setTimeout(() => proc.kill(), graceMs);
      const { code } = await proc.exited;
      clearTimeout(timer);
      results.push({ name: proc.name, code });
    }
    this.#running.length = 0;
    await Promise.all([...this.#logs.values()].map((log) => new Promise((done) => log.end(done))));
    this.#logs.clear();
    return results;
  }

  /** Kills everything at once (a second Ctrl-C while stopping). */
  killAll(): void {
    this.#cancelRestarts();
    for (const proc of this.#running) proc.kill();
  }

  /** From here on nothing is restarted: the stack is going down. */
  #cancelRestarts(): void {
    this.#stopping = true;
    for (const timer of this.#pendingRestarts) clearTimeout(timer);
    this.#pendingRestarts.clear();
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
  dispatcher: Dispatcher | undefined,
): Promise<{ ready: boolean; status: string }> {
  try {
    const response = await request(`${url}/ready`, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(1_000)]),
      ...(dispatcher ? { dispatcher } : {}),
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
