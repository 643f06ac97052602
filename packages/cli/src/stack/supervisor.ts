import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import type { StackService } from './stack-file.js';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface LogLine {
  service: string;
  raw: string;
  /** Parsed when the line is the kit's JSON. */
  record: { level?: string; msg?: string; [key: string]: unknown } | undefined;
}

export class StackStartError extends Error {}

/** One running service of the stack. */
class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number>;
  lastLine = '';

  constructor(
    readonly service: StackService,
    readonly url: string,
    child: ChildProcess,
  ) {
    this.child = child;
    this.exited = new Promise((resolvePromise) => {
      child.once('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
    });
  }
}

export interface SupervisorOptions {
  /** Directory the stack file lives in; entries resolve against it. */
  root: string;
  logDir: string;
  onLine: (line: LogLine) => void;
}

/**
 * Starts the stack's services as child processes on loopback, in file order, each in its own
 * process group so a terminal's Ctrl-C reaches only the supervisor, which then stops them in
 * reverse order through their own phased shutdown.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #running: ServiceProcess[] = [];
  readonly #logs: WriteStream[] = [];

  constructor(options: SupervisorOptions) {
    this.#options = options;
    mkdirSync(options.logDir, { recursive: true });
    process.once('exit', () => {
      for (const proc of this.#running) proc.child.kill('SIGKILL');
    });
  }

  get services(): readonly ServiceProcess[] {
    return this.#running;
  }

  start(service: StackService): ServiceProcess {
    const entry = resolve(this.#options.root, service.entry);
    const child = spawn(process.execPath, ['--import', tsxLoader, entry], {
      cwd: this.#options.root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(service.port),
        ...service.env,
      },
    });
    const proc = new ServiceProcess(service, `http://127.0.0.1:${service.port}`, child);
    const log = createWriteStream(join(this.#options.logDir, `${service.name}.log`), {
      flags: 'a',
    });
    this.#logs.push(log);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const raw = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        proc.lastLine = raw;
        this.#options.onLine({ service: service.name, raw, record: parseRecord(raw) });
        newline = buffer.indexOf('\n');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.#running.push(proc);
    return proc;
  }

  /** Polls /ready until 200; rejects when the process exits or the timeout passes. */
  async waitReady(
    proc: ServiceProcess,
    timeoutMs: number,
    onStatus: (status: string) => void,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void proc.exited.then(() => {
      exited = true;
    });
    while (Date.now() < deadline) {
      if (exited) {
        const last = parseRecord(proc.lastLine)?.msg ?? proc.lastLine;
        throw new StackStartError(`${proc.service.name} exited during startup: ${last}`);
      }
      try {
        const response = await request(`${proc.url}/ready`, { signal: AbortSignal.timeout(1_000) });
        const body = await response.body.text();
        if (response.statusCode === 200) return;
        const reason = (parseRecord(body) as { reason?: string } | undefined)?.reason;
        onStatus(`/ready ${response.statusCode}${reason ? ` (${reason})` : ''}`);
      } catch {
        onStatus('not listening yet');
      }
      await sleep(200);
    }
    throw new StackStartError(
      `${proc.service.name} was not ready within ${Math.round(timeoutMs / 1000)} s`,
    );
  }

  /**
   * Stops every service, last started first: SIGTERM, then SIGKILL for any still running after
   * `graceMs`. Resolves with each service's exit code.
   */
  async stopAll(graceMs: number): Promise<Array<{ name: string; code: number }>> {
    const results: Array<{ name: string; code: number }> = [];
    for (const proc of [...this.#running].reverse()) {
      if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
      const code = await proc.exited;
      clearTimeout(timer);
      results.push({ name: proc.service.name, code });
    }
    this.#running.length = 0;
    await Promise.all(this.#logs.map((log) => new Promise((r) => log.end(r))));
    return results;
  }

  /** Kills everything at once (a second Ctrl-C). */
  killAll(): void {
    for (const proc of this.#running) proc.child.kill('SIGKILL');
  }
}

function parseRecord(raw: string): LogLine['record'] {
  if (!raw.startsWith('{')) return undefined;
  try {
    return JSON.parse(raw) as LogLine['record'];
  } catch {
    return undefined;
  }
}

export function defaultLogDir(stackFile: string): string {
  return join(dirname(resolve(stackFile)), '.bulwark', 'state', 'logs');
}
