import { type ChildProcess, spawn } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { constants } from 'node:os';
import {
  isListeningReport,
  type ListeningReport,
  PARENT_WATCH_ENV,
} from '@bulwark/kit/supervisor-link';
import { type ResolvedService, STACK_HOST } from './resolve-stack.js';
import { tsxLoader } from './tsx-loader.js';

/** How many of a service's last log lines `up` keeps to show when the service fails. */
export const LOG_TAIL_LINES = 20;

export interface LogLine {
  service: string;
  raw: string;
  /** Parsed when the line is the kit's JSON. */
  record: { level?: string; msg?: string; [key: string]: unknown } | undefined;
}

export interface ExitStatus {
  /** The exit code, or 128 + the signal's number when a signal ended the process. */
  readonly code: number;
  /** The signal that ended it (SIGKILL cannot be caught, so it leaves no line of its own). */
  readonly signal?: NodeJS.Signals;
}

/**
 * One service of the stack as a child process: `node --import tsx <entry>` on loopback, in its
 * own process group (a terminal's Ctrl-C reaches only `up`, which stops the services in order),
 * with an IPC channel and PARENT_WATCH_ENV=1, so the kit in the child reports the port it bound
 * and shuts itself down if `up` disappears without stopping it.
 */
export class ServiceProcess {
  readonly service: ResolvedService;
  readonly child: ChildProcess;
  /** Resolves once the process has ended and its output has been read. */
  readonly exited: Promise<ExitStatus>;
  /** Aborted when the process ends. */
  readonly exitSignal: AbortSignal;
  /** Resolves with the child's own report of the port it bound. */
  readonly listening: Promise<ListeningReport>;
  /** Set when `up` asked the process to stop, so its exit is not a failure. */
  stopping = false;
  #exitStatus: ExitStatus | undefined;
  readonly #tail: string[] = [];

  constructor(
    service: ResolvedService,
    options: { root: string; log: WriteStream; onLine: (line: LogLine) => void },
  ) {
    this.service = service;
    this.child = spawn(process.execPath, ['--import', tsxLoader, service.entry], {
      cwd: options.root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        HOST: STACK_HOST,
        PORT: String(service.port),
        ...service.env,
        [PARENT_WATCH_ENV]: '1',
      },
    });
    const exitController = new AbortController();
    this.exitSignal = exitController.signal;
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.#exitStatus !== undefined) return;
        this.#exitStatus =
          signal === null || code !== null
            ? { code: code ?? 128 }
            : { code: 128 + signalNumber(signal), signal };
        exitController.abort();
        resolve(this.#exitStatus);
      };
      // 'close' comes after the last output has been read, so the tail is complete; a grandchild
      // holding the pipes open must not hold `up` up, hence the bounded wait after 'exit'.
      this.child.once('close', done);
      this.child.once('exit', (code, signal) => {
        setTimeout(() => done(code, signal), 500).unref();
      });
      // 'error' without a pid is a failed spawn; any other (a send on a closing channel; `up`
      // sends nothing) is not the process ending.
      this.child.on('error', () => {
        if (this.child.pid === undefined) done(1, null);
      });
    });
    this.listening = new Promise((resolve) => {
      const onMessage = (message: unknown) => {
        if (!isListeningReport(message)) return;
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
    });

    let buffer = '';
    const onData = (chunk: Buffer) => {
      options.log.write(chunk);
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const raw = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        this.#tail.push(raw);
        if (this.#tail.length > LOG_TAIL_LINES) this.#tail.shift();
        options.onLine({ service: service.name, raw, record: parseRecord(raw) });
        newline = buffer.indexOf('\n');
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
  }

  get name(): string {
    return this.service.name;
  }

  get url(): string {
    return this.service.url;
  }

  /** Undefined while the process runs. */
  get exitStatus(): ExitStatus | undefined {
    return this.#exitStatus;
  }

  /** The last LOG_TAIL_LINES lines the process wrote in this run. */
  tail(): string[] {
    return [...this.#tail];
  }

  /**
   * The best one-line cause: the signal that killed the process, else the last fatal or error
   * line of the kit's JSON in the tail (later
   * lines are the shutdown that followed it), else what began a clean shutdown (a signal from
   * someone else, a lost supervisor), else the last line.
   */
  cause(): string {
    if (this.#exitStatus?.signal) return `killed by ${this.#exitStatus.signal}`;
    const records = this.#tail.map(parseRecord);
    const found =
      records.findLast((r) => (r?.level === 'fatal' || r?.level === 'error') && r.msg) ??
      records.findLast((r) => /^(received SIG|supervisor gone)/.test(r?.msg ?? ''));
    if (found?.msg) return found.msg;
    const last = this.#tail.at(-1) ?? '';
    return parseRecord(last)?.msg ?? (last || 'no output');
  }

  /** SIGTERM: the kit's phased shutdown. */
  terminate(): void {
    this.stopping = true;
    if (this.#exitStatus === undefined) this.child.kill('SIGTERM');
  }

  /** SIGKILL to the whole process group, for what would not stop in time. */
  kill(): void {
    this.stopping = true;
    if (this.#exitStatus !== undefined || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}

export function parseRecord(raw: string): LogLine['record'] {
  if (!raw.startsWith('{')) return undefined;
  try {
    return JSON.parse(raw) as LogLine['record'];
  } catch {
    return undefined;
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}
