import { execFile, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

/** A backup or restore tool that could not run or exited non-zero: a fail with this message. */
export class RestoreCommandError extends Error {
  readonly code = 'BW_RESTORE_COMMAND';
  constructor(
    message: string,
    /** The end of what it wrote to stderr, for the evidence. */
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** The drill was aborted (Ctrl-C) or ran past its deadline while a tool ran. */
export class RestoreAbortedError extends Error {
  readonly code = 'BW_RESTORE_ABORTED';
}

/** An operating-system account the tools run as (the owner of a PostgreSQL data directory). */
export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const execFileAsync = promisify(execFile);

/** Looks the account up with `id`, which reads every name service the machine is set up with. */
export async function osUser(name: string): Promise<OsUser> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', name]),
      execFileAsync('id', ['-g', name]),
    ]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new RestoreCommandError(`no operating-system user ${name}`, '');
  }
}

export interface CommandOptions {
  readonly signal: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this account (the drill must be root, or that account already). */
  readonly user?: OsUser;
  readonly cwd?: string;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Bytes of each stream kept: enough for a tool's error and its JSON answers, bounded for evidence. */
const KEEP_BYTES = 1_048_576;
/** How long a tool gets to exit after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 5_000;

/**
 * Runs a tool to completion. On abort it is stopped (SIGTERM, then SIGKILL) and awaited before
 * this rejects, so the drill's cleanup never races a pg_restore still writing. The tool runs in a
 * process group of its own and the signals go to the group: pgbackrest forks worker processes
 * that outlive a parent signalled alone, still writing into the directory cleanup deletes.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const name = file.split('/').pop() ?? file;
  if (options.signal.aborted) {
    return Promise.reject(new RestoreAbortedError(`${name} not started: the drill was stopped`));
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const needsSwitch = options.user && options.user.uid !== process.getuid?.();
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(needsSwitch && options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString('utf8')).slice(-KEEP_BYTES);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-KEEP_BYTES);
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the whole group has exited already.
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), TERM_GRACE_MS);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      fn();
    };
    // A tool that cannot start emits 'error' (and not always 'close').
    child.once('error', (error: NodeJS.ErrnoException) => {
      settle(() =>
        reject(
          new RestoreCommandError(
            error.code === 'ENOENT'
              ? `${file} not found (is it installed and on PATH?)`
              : `${name} could not start: ${error.message}`,
            '',
          ),
        ),
      );
    });
    child.once('close', (code, signal) => {
      // A worker that ignored SIGTERM must not outlive the stopped tool.
      if (options.signal.aborted) signalGroup('SIGKILL');
      settle(() => {
        const ms = performance.now() - started;
        if (options.signal.aborted) {
          reject(new RestoreAbortedError(`${name} stopped: the drill was stopped`));
        } else if (code !== 0) {
          const why = lastLine(stderr) || lastLine(stdout);
          const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
          reject(new RestoreCommandError(`${name} ${how}${why ? `: ${why}` : ''}`, stderr));
        } else {
          resolve({ stdout, stderr, ms });
        }
      });
    });
  });
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? '').slice(0, 300);
}
