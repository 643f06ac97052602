import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from './checks-harness.js';
import { dependencyService } from './drill-dependency-harness.js';

/*
 * The acceptance test for interrupted drills: `bulwark verify` runs a plan binding
 * drill.dependency, and Ctrl-C arrives (SIGINT to the command's whole process group, as a
 * terminal sends it) while PostgreSQL is stopped and a request is waiting on the outage.
 * Afterwards PostgreSQL runs again, the drill left no database and no temp file, and none of its
 * processes outlived the command, which exited 130 with the bundle written.
 */
const BIN = fileURLToPath(new URL('../../cli/bin/bulwark.mjs', import.meta.url));
const postgres = privatePostgresPart();

describe.skipIf(!postgres.available)('an interrupted drill', () => {
  const work = mkdtempSync(join(tmpdir(), 'bw-drill-sigint-'));
  const cliTmp = join(work, 'tmp');
  let db: PrivateServer;
  let service: Running;
  beforeAll(async () => {
    mkdirSync(cliTmp);
    db = await startPrivatePostgres();
    // A service that hangs on its database: the drill's request waits until interrupted.
    service = await dependencyService('postgres', db.url, { DRILL_BROKEN: 'hangs' });
  });
  afterAll(async () => {
    await service?.stop();
    await db?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('starts the dependency again, leaves no database, temp file or process, and exits 130', async () => {
    const databases = async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const result = await client.query('SELECT datname FROM pg_database ORDER BY datname');
        return result.rows.map((r) => r.datname as string);
      } finally {
        await client.end();
      }
    };
    const before = await databases();
    const plan = join(work, 'plan.yaml');
    writeFileSync(
      plan,
      [
        'format: bulwark.plan/v1',
        'name: interrupted drill',
        'environments:',
        '  drill:',
        '    services:',
        `      - { name: api, url: ${JSON.stringify(service.url)}, kind: http }`,
        'criteria:',
        '  - id: db-outage',
        '    text: The API fails fast while PostgreSQL is down',
        '    checks:',
        '      - check: drill.dependency',
        '        with:',
        '          dependency: postgres',
        `          stop: ${JSON.stringify(db.commands.stop)}`,
        `          start: ${JSON.stringify(db.commands.start)}`,
        '          failFastMs: 20000',
        '          requests: [/v1/dependency]',
        '',
      ].join('\n'),
    );
    const cli = spawn(
      process.execPath,
      [BIN, 'verify', '--plan', plan, '--env', 'drill', '--evidence-dir', join(work, 'evidence')],
      {
        cwd: work,
        env: {
          ...process.env,
          NO_COLOR: '1',
          TMPDIR: cliTmp,
          BULWARK_KEYS_DIR: join(work, 'keys'),
        },
        // Its own process group, so the test can signal the group the way a terminal does.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    cli.stdout.resume();
    const exited = new Promise<number | string>((resolve) =>
      cli.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
    );

    // In the middle: PostgreSQL stopped, the service not ready, the drill's request hanging.
    const deadline = performance.now() + 60_000;
    while (db.pid() !== undefined || (await readyStatus(service.url)) !== 503) {
      if (performance.now() > deadline)
        throw new Error(`the drill never stopped PostgreSQL:\n${stderr}`);
      if (cli.exitCode !== null) throw new Error(`the command ended early:\n${stderr}`);
      await sleep(50);
    }
    await sleep(500);
    expect(db.pid()).toBeUndefined();
    process.kill(-(cli.pid as number), 'SIGINT');

    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted; the checks not run are recorded as skipped/);
    // The undo step ran before the command exited: PostgreSQL takes connections again.
    expect(db.pid()).toEqual(expect.any(Number));
    expect(await databases()).toEqual(before);
    // Nothing of the drill's is still running: its shells (`sh -c <command naming the private
    // server's dir> bulwark-drill-dependency`), the control script, pg_ctl. Only the server.
    const leftover = processes().filter(
      ({ pid, args }) => pid !== db.pid() && args.includes(db.dir),
    );
    expect(leftover).toEqual([]);
    // No temp file of the drill's (tsx keeps its compile cache there, which is not the drill's).
    expect(readdirSync(cliTmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
    // The bundle records the drill as interrupted, not as passed or failed.
    const bundle = JSON.parse(readFileSync(findBundle(join(work, 'evidence')), 'utf8'));
    expect(bundle.criteria[0].checks[0]).toMatchObject({
      check: 'drill.dependency',
      status: 'skip',
      reason: expect.stringMatching(/^aborted/),
    });
  });
});

async function readyStatus(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

function processes(): Array<{ pid: number; args: string }> {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), args: m[2] as string }));
}

function findBundle(dir: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'bundle.json') return join(entry.parentPath, entry.name);
  }
  throw new Error(`no bundle.json under ${dir}`);
}
