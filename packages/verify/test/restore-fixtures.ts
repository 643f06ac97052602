import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type PrivateServer,
  privatePostgresPart,
  type SystemPart,
  startPrivatePostgres,
  systemPart,
} from '@bulwark/testkit';
import { Value } from '@sinclair/typebox/value';
import pg from 'pg';
import type { CheckContext, CheckOutcome } from '../src/checks/check.js';
import { drillRestoreCheck } from '../src/checks/drill/restore.js';
import { createSharedServices } from '../src/checks/shared.js';
import { type Criterion, PLAN_FORMAT, type Plan } from '../src/plan/schema.js';

/**
 * Fixtures of the restore drill's tests: private PostgreSQL clusters (through testkit's
 * startPrivatePostgres; never the machine's shared server), a pgBackRest stanza on one, and a
 * runner that calls the plugin as `bulwark verify` would.
 */

const execFileAsync = promisify(execFile);
const asRoot = process.getuid?.() === 0;

export function postgresPart(): SystemPart {
  return privatePostgresPart();
}

let pgbackrest: SystemPart | undefined;
export function pgbackrestPart(): SystemPart {
  pgbackrest ??= systemPart({
    name: 'pgbackrest',
    install: 'apt-get install pgbackrest',
    probe: ['pgbackrest', 'version'],
  });
  return pgbackrest;
}

/** A directory the postgres account can use too (scratch data directories live in it). */
export function sharedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  return dir;
}

export function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

export function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}

/** Runs SQL on `url` with one short-lived connection. */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
  params?: unknown[],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates `name` on the cluster and returns its URL. */
export async function createDatabase(server: PrivateServer, name: string): Promise<string> {
  await sql(server.url, `CREATE DATABASE ${name}`);
  return withDatabase(server.url, name);
}

/** The drill's scratch databases still on the server. */
export async function scratchDatabases(server: PrivateServer): Promise<string[]> {
  const rows = await sql<{ datname: string }>(
    server.url,
    "SELECT datname FROM pg_database WHERE datname LIKE 'bulwark\\_restore\\_%' ORDER BY 1",
  );
  return rows.map((r) => r.datname);
}

/** Entries the drill left in its work directory. */
export function leftovers(workDir: string): string[] {
  return readdirSync(workDir);
}

/** Processes whose command line mentions `text` (a scratch directory, a dump path). */
export async function processesMentioning(text: string): Promise<string[]> {
  const { stdout } = await execFileAsync('ps', ['-eo', 'pid=,args=']);
  return stdout
    .split('\n')
    .filter((line) => line.includes(text) && !line.includes('ps -eo'))
    .map((line) => line.trim());
}

export interface Stanza {
  readonly server: PrivateServer;
  readonly name: string;
  readonly config: string;
  /** Where the repository, pgBackRest's logs and lock live. */
  readonly dir: string;
  /** The drill's `pgbackrest` parameters for this stanza. */
  readonly params: { stanza: string; config: string; runAs?: string };
  /** Runs pgbackrest on the stanza as the cluster's owner. */
  run(...args: string[]): Promise<string>;
  remove(): Promise<void>;
}

/**
 * A private cluster that archives its WAL with pgBackRest into a repository of its own, with
 * the stanza created and checked (one archived segment). No backup is taken yet.
 */
export async function startStanza(settings: Record<string, string | number> = {}): Promise<Stanza> {
  const dir = sharedTempDir('bulwark-pgbr-');
  const config = join(dir, 'pgbackrest.conf');
  const name = 'drill';
  const server = await startPrivatePostgres({
    settings: {
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: `'pgbackrest --config=${config} --stanza=${name} archive-push %p'`,
      max_wal_senders: 2,
      ...settings,
    },
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  writeFileSync(
    config,
    [
      '[global]',
      `repo1-path=${join(dir, 'repo')}`,
      `log-path=${join(dir, 'log')}`,
      `lock-path=${join(dir, 'lock')}`,
      `spool-path=${join(dir, 'spool')}`,
      'log-level-file=off',
      'log-level-console=warn',
      'start-fast=y',
      'compress-type=none',
      'repo1-retention-full=10',
      'archive-timeout=60',
      '',
      `[${name}]`,
      `pg1-path=${join(server.dir, 'data')}`,
      `pg1-port=${server.port}`,
      `pg1-socket-path=${server.dir}`,
      '',
    ].join('\n'),
  );
  if (asRoot) chownSync(config, uidOf('postgres'), gidOf('postgres'));
  const run = async (...args: string[]) => {
    const command = asRoot ? 'runuser' : 'pgbackrest';
    const argv = [
      ...(asRoot ? ['-u', 'postgres', '--', 'pgbackrest'] : []),
      `--config=${config}`,
      `--stanza=${name}`,
      ...args,
    ];
    try {
      const { stdout } = await execFileAsync(command, argv, { timeout: 180_000 });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string; message: string };
      throw new Error(`pgbackrest ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
    }
  };
  const stanza: Stanza = {
    server,
    name,
    config,
    dir,
    params: { stanza: name, config, ...(asRoot ? { runAs: 'postgres' } : {}) },
    run,
    async remove() {
      await server.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await run('stanza-create');
    await run('check');
  } catch (error) {
    await stanza.remove();
    throw error;
  }
  return stanza;
}

export interface DrillRunOptions {
  readonly databases?: { name: string; url: string }[];
  readonly signal?: AbortSignal;
  readonly progress?: (message: string) => void;
  readonly now?: Date;
  readonly planDir?: string;
}

/** Runs drill.restore as the runner does: params through its schema with defaults. */
export async function runRestoreDrill(
  params: Record<string, unknown>,
  options: DrillRunOptions = {},
): Promise<CheckOutcome> {
  const withDefaults = Value.Default(drillRestoreCheck.params, structuredClone(params));
  if (!Value.Check(drillRestoreCheck.params, withDefaults)) {
    const first = [...Value.Errors(drillRestoreCheck.params, withDefaults)][0];
    throw new Error(`bad drill.restore params: ${first?.path} ${first?.message}`);
  }
  const plan: Plan = {
    format: PLAN_FORMAT,
    name: 'restore-drill-test',
    environments: { dev: { services: [], databases: options.databases ?? [] } },
    criteria: [{ id: 'restore', text: 'Restore drill completes under target RTO', status: 'todo' }],
  };
  const shared = createSharedServices({
    timeoutMs: 5000,
    attestationsDir: '.bulwark/attestations',
  });
  const context: CheckContext = {
    plan,
    planDir: options.planDir ?? process.cwd(),
    environmentName: 'dev',
    environment: plan.environments.dev as Plan['environments'][string],
    criterion: plan.criteria[0] as Criterion,
    timeoutMs: 5000,
    signal: options.signal ?? new AbortController().signal,
    progress: options.progress ?? (() => undefined),
    now: () => options.now ?? new Date(),
    shared,
  };
  try {
    return await drillRestoreCheck.run(withDefaults as never, context);
  } finally {
    await shared.close();
  }
}

/** The drill's figures artifact, parsed. */
export interface FiguresDocument {
  readonly notCompared: string | null;
  readonly target: string | null;
  readonly databases: {
    name: string;
    relations: { relation: string; kind: string; rows: number; checksum: string }[];
    differences: { relation: string; problem: string }[] | null;
    ledgers: { schema: string; valid: boolean; checked: number }[];
  }[];
}

export function figuresOf(outcome: CheckOutcome): FiguresDocument {
  const artifact = outcome.artifacts?.find((a) => a.name === 'restore-figures.json');
  if (!artifact) throw new Error(`no restore-figures.json: ${outcome.status} ${outcome.summary}`);
  return JSON.parse(String(artifact.content)) as FiguresDocument;
}
