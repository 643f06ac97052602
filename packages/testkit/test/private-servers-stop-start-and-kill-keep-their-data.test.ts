import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type PrivateServer,
  privateNatsPart,
  privatePostgresPart,
  privateRedisPart,
  startPrivateNats,
  startPrivatePostgres,
  startPrivateRedis,
} from '../src/index.js';

const sh = promisify(execFile);
const postgres = privatePostgresPart();
const redis = privateRedisPart();
const nats = privateNatsPart();

const servers: PrivateServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.remove();
});

/** True when something accepts TCP connections on the port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The process is gone or a zombie: it no longer runs. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

describe.skipIf(!postgres.available)('a private PostgreSQL', () => {
  it('keeps its rows across stop/start and kill/start, on the same port, through the API and the shell commands', async () => {
    const db = await startPrivatePostgres();
    servers.push(db);
    expect(db.url).toBe(`postgres://postgres@127.0.0.1:${db.port}/postgres`);
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };
    await query('CREATE TABLE kept (n int)');
    await query('INSERT INTO kept VALUES (1)');
    const first = db.pid() as number;
    expect(running(first)).toBe(true);

    await db.stop();
    expect(db.pid()).toBeUndefined();
    expect(running(first)).toBe(false);
    expect(await accepting(db.port)).toBe(false);
    await db.stop(); // stopping a stopped server is done, not an error

    await sh('/bin/sh', ['-c', db.commands.start]);
    const second = db.pid() as number;
    expect(second).not.toBe(first);
    await db.start(); // starting a running one likewise
    expect(db.pid()).toBe(second);
    await query('INSERT INTO kept VALUES (2)');

    // No clean shutdown: every process of it is gone, and the next start recovers from its WAL.
    await db.kill();
    expect(db.pid()).toBeUndefined();
    expect(running(second)).toBe(false);
    expect(await accepting(db.port)).toBe(false);
    await db.start();
    expect(await query('SELECT n FROM kept ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
    expect(db.log()).toMatch(/database system was interrupted|redo/);

    await sh('/bin/sh', ['-c', db.commands.stop]);
    expect(db.pid()).toBeUndefined();
    await db.remove();
    expect(existsSync(db.dir)).toBe(false);
    await db.remove(); // twice is fine
  });
});

describe.skipIf(!redis.available)('a private Redis', () => {
  it('serves on its port, stops, starts again empty (no persistence) and dies on kill', async () => {
    const server = await startPrivateRedis();
    servers.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    await client.connect();
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    client.disconnect();

    const pid = server.pid() as number;
    await sh('/bin/sh', ['-c', server.commands.stop]);
    expect(running(pid)).toBe(false);
    expect(await accepting(server.port)).toBe(false);
    await server.start();
    const again = new Redis(server.url, { maxRetriesPerRequest: 0 });
    again.on('error', () => undefined);
    expect(await again.get('k')).toBeNull();
    again.disconnect();

    const restarted = server.pid() as number;
    await server.kill();
    expect(running(restarted)).toBe(false);
    expect(server.pid()).toBeUndefined();
    await server.remove();
    expect(existsSync(server.dir)).toBe(false);
  });
});

describe.skipIf(!nats.available)('a private NATS', () => {
  it('serves on its port, and comes back on the same port after stop and kill', async () => {
    const server = await startPrivateNats();
    servers.push(server);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const roundTrip = async () => {
      const nc = await connect({ servers: server.url, reconnect: false });
      await nc.flush();
      await nc.close();
    };
    await roundTrip();
    const pid = server.pid() as number;
    await server.stop();
    expect(running(pid)).toBe(false);
    expect(await accepting(server.port)).toBe(false);
    await sh('/bin/sh', ['-c', server.commands.start]);
    await roundTrip();
    await sh('/bin/sh', ['-c', server.commands.kill]);
    expect(server.pid()).toBeUndefined();
    await server.start();
    await roundTrip();
    await server.remove();
    expect(await accepting(server.port)).toBe(false);
  });
});

describe.skipIf(!postgres.available)('private servers side by side', () => {
  it('each get their own port and directory', async () => {
    const [a, b] = await Promise.all([startPrivatePostgres(), startPrivatePostgres()]);
    servers.push(a, b);
    expect(a.port).not.toBe(b.port);
    expect(a.dir).not.toBe(b.dir);
    await a.stop();
    // Stopping one leaves the other serving.
    expect(await accepting(b.port)).toBe(true);
    await Promise.all([a.remove(), b.remove()]);
  });
});
