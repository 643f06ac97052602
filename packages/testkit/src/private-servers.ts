import { execFile, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { type SystemPart, systemPart } from './system-part.js';

/**
 * PRIVATE PostgreSQL, Redis and NATS servers for tests that stop, kill or restore a dependency:
 * the machine's shared servers are used by other tests in parallel and must never be touched.
 * Each server lives in its own temp dir on a free loopback port, and is controlled by a small
 * bash script written into that dir (`ctl.sh start|stop|kill`). The script is the one
 * implementation: `start()`/`stop()`/`kill()` run it, and `commands` hands the same lines to a
 * plan's control section or a drill's `stop`/`start`, so the two paths cannot drift apart.
 * Every action is idempotent (starting a running server, or stopping a stopped one, is done).
 * Servers run in their own session, so a Ctrl-C to a test's process group does not reach them;
 * whatever a test forgets is killed and deleted when the test process exits.
 */
export interface PrivateServer {
  readonly kind: 'postgres' | 'redis' | 'nats';
  /** A client URL: postgres://postgres@127.0.0.1:N/postgres, redis://127.0.0.1:N, nats://127.0.0.1:N. */
  readonly url: string;
  readonly port: number;
  /** The instance's temp dir: data, server.log, ctl.sh. */
  readonly dir: string;
  /** Shell commands doing exactly what start(), stop() and kill() do. */
  readonly commands: { readonly start: string; readonly stop: string; readonly kill: string };
  /** Starts it again on the same port with the same data dir; resolves once it serves. */
  start(): Promise<void>;
  /** A clean shutdown; resolves once its processes are gone. */
  stop(): Promise<void>;
  /** SIGKILL, no shutdown (PostgreSQL recovers from its WAL on the next start). */
  kill(): Promise<void>;
  /** The server's main process id while it runs. */
  pid(): number | undefined;
  /** The end of its log, for a failing test's message. */
  log(): string;
  /** Stops it (kills it when a stop fails) and deletes its dir; calling it again does nothing. */
  remove(): Promise<void>;
}

export class PrivateServerError extends Error {
  readonly code = 'BW_PRIVATE_SERVER';
}

/** Where PostgreSQL's server binaries are: BULWARK_TEST_PG_BIN, else the newest Debian install. */
function postgresBin(): string {
  if (process.env.BULWARK_TEST_PG_BIN) return process.env.BULWARK_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? join(root, versions[0], 'bin') : '';
}

/** initdb refuses to run as root: as root, every PostgreSQL binary runs as the postgres user. */
const asRoot = process.getuid?.() === 0;

const parts = new Map<PrivateServer['kind'], SystemPart>();

function part(kind: PrivateServer['kind'], make: () => SystemPart): SystemPart {
  let found = parts.get(kind);
  if (!found) {
    found = make();
    parts.set(kind, found);
  }
  return found;
}

/** PostgreSQL's server binaries (initdb, pg_ctl), and as root the postgres user to run them. */
export function privatePostgresPart(): SystemPart {
  return part('postgres', () => {
    const bin = postgresBin();
    const tool = (name: string) => (bin ? join(bin, name) : name);
    const runAs = asRoot ? ' && id -u postgres >/dev/null && command -v runuser >/dev/null' : '';
    return systemPart({
      name: 'PostgreSQL server binaries (initdb, pg_ctl)',
      install: 'apt-get install postgresql',
      probe: [
        'bash',
        '-c',
        `${quote(tool('initdb'))} --version >/dev/null && ${quote(tool('pg_ctl'))} --version >/dev/null${runAs}`,
      ],
    });
  });
}

export function privateRedisPart(): SystemPart {
  return part('redis', () =>
    systemPart({
      name: 'redis-server',
      install: 'apt-get install redis-server',
      probe: ['redis-server', '--version'],
    }),
  );
}

export function privateNatsPart(): SystemPart {
  return part('nats', () =>
    systemPart({
      name: 'nats-server',
      install: 'apt-get install nats-server',
      probe: ['nats-server', '--version'],
    }),
  );
}

export interface PrivatePostgresOptions {
  /** Extra postgresql.conf settings, written as `name = value`. */
  readonly settings?: Readonly<Record<string, string | number>>;
}

/** A fresh cluster (initdb, trust auth for postgres on 127.0.0.1), started. */
export async function startPrivatePostgres(
  options: PrivatePostgresOptions = {},
): Promise<PrivateServer> {
  const bin = postgresBin();
  const tool = (name: string) => (bin ? join(bin, name) : name);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-pg-'));
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const runAs = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  const [initCommand, ...initArgs] = [
    ...runAs,
    tool('initdb'),
    ...['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'],
    ...['--no-sync', '--no-instructions'],
  ] as [string, ...string[]];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(initCommand, initArgs, { timeout: 120_000 }, (error, _stdout, stderr) =>
        error
          ? reject(new PrivateServerError(`initdb failed: ${stderr.trim() || error.message}`))
          : resolve(),
      );
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const settings: Record<string, string | number> = {
    port,
    listen_addresses: "'127.0.0.1'",
    // Its own socket directory: the machine's server owns /var/run/postgresql.
    unix_socket_directories: `'${dir}'`,
    // A test cluster: a server crash (kill()) loses nothing, only a machine crash would.
    fsync: 'off',
    shared_buffers: '16MB',
    max_connections: 50,
    ...options.settings,
  };
  const conf = Object.entries(settings)
    .map(([name, value]) => `${name} = ${value}`)
    .join('\n');
  writeFileSync(
    join(data, 'postgresql.conf'),
    `${readFileSync(join(data, 'postgresql.conf'), 'utf8')}\n${conf}\n`,
  );
  const script = `${SCRIPT_HEAD}
data=${quote(data)}
log=${quote(log)}
pg_ctl=${quote(tool('pg_ctl'))}
as=(${runAs.map(quote).join(' ')})
pid() { local p; p=$(head -n1 "$data/postmaster.pid" 2>/dev/null) && alive "$p" && echo "$p"; }
case "\${1:-}" in
  start)
    pid >/dev/null && exit 0
    "\${as[@]}" "$pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null || { tail -n 20 "$log" >&2; exit 1; } ;;
  stop)
    p=$(pid) || exit 0
    "\${as[@]}" "$pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || exit 1
    gone "$p" ;;
  kill)
    p=$(pid) || exit 0
    # Frozen first, so it forks nothing between listing its children and their SIGKILL.
    kill -STOP "$p"
    kids=$(ps -o pid= --ppid "$p")
    kill -KILL "$p" $kids 2>/dev/null
    gone "$p" $kids || exit 1
    # Every process of it has ended, but one not yet reaped by its parent still passes the
    # kill -0 test PostgreSQL puts its lock files to: they are stale, so they go.
    rm -f "$data/postmaster.pid" ${quote(dir)}/.s.PGSQL.*.lock ;;
  *) echo "usage: ctl.sh start|stop|kill" >&2; exit 2 ;;
esac
`;
  const server = await controlled({
    kind: 'postgres',
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    log,
    script,
    pid: () => pidIn(join(data, 'postmaster.pid')),
  });
  return server;
}

/** redis-server on a free port, no persistence (`--save ''`): a restart starts it empty. */
export function startPrivateRedis(): Promise<PrivateServer> {
  return startDaemon('redis', 'redis-server', 'Ready to accept connections', (port, dir) => [
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ...['--daemonize', 'no', '--dir', dir],
  ]);
}

export interface PrivateNatsOptions {
  /**
   * Turn JetStream on, its store in the instance's dir (`<dir>/jetstream`): streams and durable
   * consumers survive stop() and start(), as on a real server. Default: core NATS only.
   */
  readonly jetstream?: boolean;
}

/** nats-server on a free port (core NATS; with `jetstream: true`, JetStream as well). */
export function startPrivateNats(options: PrivateNatsOptions = {}): Promise<PrivateServer> {
  return startDaemon('nats', 'nats-server', 'Server is ready', (port, dir) => [
    ...['-a', '127.0.0.1', '-p', String(port)],
    ...(options.jetstream ? ['-js', '-sd', join(dir, 'jetstream')] : []),
  ]);
}

async function startDaemon(
  kind: 'redis' | 'nats',
  command: string,
  readyLine: string,
  args: (port: number, dir: string) => string[],
): Promise<PrivateServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `bulwark-${kind}-`));
  const log = join(dir, 'server.log');
  const pidFile = join(dir, 'server.pid');
  const script = `${SCRIPT_HEAD}
log=${quote(log)}
pidfile=${quote(pidFile)}
cmd=(${[command, ...args(port, dir)].map(quote).join(' ')})
pid() { local p; p=$(cat "$pidfile" 2>/dev/null) && alive "$p" && echo "$p"; }
case "\${1:-}" in
  start)
    pid >/dev/null && exit 0
    touch "$log"; from=$(($(wc -l <"$log") + 1))
    # Its own session: a Ctrl-C to the caller's process group does not reach the server.
    setsid "\${cmd[@]}" >>"$log" 2>&1 </dev/null &
    p=$!; echo "$p" >"$pidfile"
    # Served when its own log says so: a port that accepts could be another process's.
    for _ in $(seq 600); do
      tail -n +"$from" "$log" | grep -qF ${quote(readyLine)} && exit 0
      alive "$p" || { echo "${command} exited:" >&2; tail -n +"$from" "$log" | tail -n 20 >&2; rm -f "$pidfile"; exit 1; }
      sleep 0.05
    done
    echo "${command} not ready within 30 s" >&2; kill -KILL "$p"; gone "$p"; rm -f "$pidfile"; exit 1 ;;
  stop)
    p=$(pid) || exit 0
    kill -TERM "$p"; gone "$p" || exit 1; rm -f "$pidfile" ;;
  kill)
    p=$(pid) || exit 0
    kill -KILL "$p"; gone "$p" || exit 1; rm -f "$pidfile" ;;
  *) echo "usage: ctl.sh start|stop|kill" >&2; exit 2 ;;
esac
`;
  return controlled({
    kind,
    url: `${kind}://127.0.0.1:${port}`,
    port,
    dir,
    log,
    script,
    pid: () => pidIn(pidFile),
  });
}

/**
 * Shared by every script. `alive` reads /proc rather than `kill -0`, which also succeeds for a
 * zombie (a dead server its parent has not reaped yet); `gone` waits, bounded, until each given
 * process has ended.
 */
const SCRIPT_HEAD = `#!/bin/bash
# A private test server, written by @bulwark/testkit (private-servers.ts).
set -u
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=\${s##*) }; [ "\${s:0:1}" != Z ] && [ "\${s:0:1}" != X ]; }
gone() {
  for _ in $(seq 1200); do
    local left=0
    for p in "$@"; do alive "$p" && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.05
  done
  echo "still running 60 s after the signal: $*" >&2; return 1
}`;

interface ControlledSpec {
  readonly kind: PrivateServer['kind'];
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly log: string;
  readonly script: string;
  readonly pid: () => number | undefined;
}

/** Servers not yet removed: the exit hook kills and deletes them. */
const live = new Set<{ ctl: string; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { ctl, dir } of live) {
      spawnSync('bash', [ctl, 'kill'], { stdio: 'ignore', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function controlled(spec: ControlledSpec): Promise<PrivateServer> {
  const ctl = join(spec.dir, 'ctl.sh');
  writeFileSync(ctl, spec.script);
  chmodSync(ctl, 0o755);
  const entry = { ctl, dir: spec.dir };
  live.add(entry);
  installExitHook();
  const run = (action: 'start' | 'stop' | 'kill') => runScript(ctl, action, spec.kind);
  const command = (action: string) => `bash ${quote(ctl)} ${action}`;
  let removed = false;
  const server: PrivateServer = {
    kind: spec.kind,
    url: spec.url,
    port: spec.port,
    dir: spec.dir,
    commands: { start: command('start'), stop: command('stop'), kill: command('kill') },
    start: () => run('start'),
    stop: () => run('stop'),
    kill: () => run('kill'),
    pid: spec.pid,
    log: () => tailOf(spec.log),
    async remove() {
      if (removed) return;
      removed = true;
      await run('stop').catch(() => run('kill'));
      rmSync(spec.dir, { recursive: true, force: true });
      live.delete(entry);
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.remove().catch(() => undefined);
    throw error;
  }
  return server;
}

function runScript(ctl: string, action: string, kind: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [ctl, action], { timeout: 120_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const detail = stderr.trim() || error.message;
      reject(new PrivateServerError(`private ${kind} ${action} failed: ${detail}`));
    });
  });
}

function pidIn(file: string): number | undefined {
  let first: string;
  try {
    first = readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '';
  } catch {
    return undefined;
  }
  const pid = Number(first);
  if (!/^\d+$/.test(first) || pid <= 1) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(') ') + 2, stat.lastIndexOf(') ') + 3);
    return state === 'Z' || state === 'X' ? undefined : pid;
  } catch {
    return undefined;
  }
}

function tailOf(file: string, bytes = 4096): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

/** Single-quoted for bash: the only character to escape inside is the quote itself. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}
