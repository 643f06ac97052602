import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DrillCleanup } from './cleanup.js';
import { type OsUser, RestoreAbortedError, RestoreCommandError } from './restore-process.js';
import { PgSession, socketTarget } from './restore-sql.js';

/**
 * A scratch PostgreSQL server on a restored data directory: reachable only through a Unix socket
 * in its own directory (mode 0700, so only its owner and root can connect), never archiving,
 * always stopped and deleted by the drill's cleanup.
 */
export class ScratchCluster {
  readonly root: string;
  readonly dataDir: string;
  readonly tablespaceDir: string;
  readonly logFile: string;
  readonly #user: OsUser | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  port = 0;

  private constructor(root: string, user: OsUser | undefined) {
    this.root = root;
    this.dataDir = join(root, 'data');
    this.tablespaceDir = join(root, 'tablespaces');
    this.logFile = join(root, 'server.log');
    this.#user = user;
  }

  /** A fresh directory under `parent` (owned by `user`); the cleanup deletes it. */
  static async create(
    parent: string,
    user: OsUser | undefined,
    cleanup: DrillCleanup,
  ): Promise<ScratchCluster> {
    const root = await mkdtemp(join(parent, 'bulwark-restore-'));
    cleanup.add(`remove scratch directory ${root}`, () =>
      rm(root, { recursive: true, force: true }),
    );
    if (user && user.uid !== process.getuid?.()) await chown(root, user.uid, user.gid);
    return new ScratchCluster(root, user);
  }

  /**
   * Starts the server (PostgreSQL's `postgres`, so no shell parses any path) and waits until
   * recovery has ended and it accepts connections. Command-line settings outrank every file, the
   * restored postgresql.auto.conf included, so the port, socket and archiving are the drill's.
   */
  async start(
    postgres: string,
    settings: Readonly<Record<string, string>>,
    user: string,
    signal: AbortSignal,
    cleanup: DrillCleanup,
  ): Promise<number> {
    const started = performance.now();
    this.port = await freeLocalPort();
    const hba = join(this.root, 'pg_hba.conf');
    const ident = join(this.root, 'pg_ident.conf');
    await writeFile(hba, 'local all all trust\n');
    await writeFile(ident, '');
    // Debian keeps postgresql.conf in /etc: a restored data directory may have none.
    const config = existsSync(join(this.dataDir, 'postgresql.conf'))
      ? []
      : await this.#emptyConfig();
    const overrides: Record<string, string> = {
      ...settings,
      port: String(this.port),
      listen_addresses: '',
      unix_socket_directories: this.root,
      hba_file: hba,
      ident_file: ident,
      archive_mode: 'off',
      archive_command: '',
      hot_standby: 'off',
      ssl: 'off',
      logging_collector: 'off',
      external_pid_file: '',
      primary_conninfo: '',
      cluster_name: 'bulwark-restore',
    };
    for (const file of [hba, ident]) await this.#own(file);
    const log = await open(this.logFile, 'a');
    try {
      await this.#own(this.logFile);
      const switchUser = this.#user && this.#user.uid !== process.getuid?.();
      const child = spawn(
        postgres,
        [
          '-D',
          this.dataDir,
          ...config,
          ...Object.entries(overrides).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
        ],
        {
          stdio: ['ignore', log.fd, log.fd],
          ...(switchUser && this.#user ? { uid: this.#user.uid, gid: this.#user.gid } : {}),
        },
      );
      this.#child = child;
      this.#exited = new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.once('error', () => resolve());
      });
      cleanup.add(`stop the scratch server on ${this.dataDir}`, () => this.stop());
    } finally {
      await log.close();
    }
    await this.#waitReady(user, signal);
    return performance.now() - started;
  }

  /** Fast shutdown; immediate, then SIGKILL, when it does not go. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    for (const [signal, waitMs] of [
      ['SIGINT', 60_000],
      ['SIGQUIT', 10_000],
      ['SIGKILL', 10_000],
    ] as const) {
      child.kill(signal);
      const gone = await Promise.race([
        this.#exited?.then(() => true),
        sleep(waitMs).then(() => false),
      ]);
      if (gone) return;
    }
    throw new Error(`the scratch server (pid ${child.pid}) did not stop`);
  }

  /** The end of the server's log, for a failure's evidence. */
  async logTail(bytes = 65_536): Promise<string> {
    return (await readFile(this.logFile, 'utf8').catch(() => '')).slice(-bytes);
  }

  async #waitReady(user: string, signal: AbortSignal): Promise<void> {
    const target = socketTarget(this.root, this.port, user, 'template1');
    for (;;) {
      if (signal.aborted)
        throw new RestoreAbortedError(
          'the scratch server was not ready when the drill was stopped',
        );
      const child = this.#child;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        const tail = await this.logTail(8192);
        const last =
          tail
            .split('\n')
            .filter((l) => /FATAL|PANIC|ERROR/.test(l))
            .at(-1) ??
          tail.split('\n').filter(Boolean).at(-1) ??
          '';
        throw new RestoreCommandError(
          `the scratch server exited during recovery: ${last.trim().slice(0, 300)}`,
          tail,
        );
      }
      const inRecovery = await PgSession.open(target, signal)
        .then(async (session) => {
          try {
            const [row] = await session.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
            return row?.r ?? true;
          } finally {
            await session.close();
          }
        })
        // Starting up, replaying WAL, or not listening yet: ask again shortly.
        .catch(() => true);
      if (!inRecovery) return;
      await sleep(200, undefined, { signal }).catch(() => undefined);
    }
  }

  async #emptyConfig(): Promise<string[]> {
    const file = join(this.root, 'postgresql.conf');
    await writeFile(file, '# the restored data directory had no postgresql.conf\n');
    await this.#own(file);
    return ['-c', `config_file=${file}`];
  }

  async #own(file: string): Promise<void> {
    const user = this.#user;
    if (user && user.uid !== process.getuid?.()) await chown(file, user.uid, user.gid);
  }
}

/** A loopback TCP port nobody holds: the server listens only on its socket, but its name carries the port. */
function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
