import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { killAndRestartDuringBatchedWrites, procs } from './fixtures/batched-writers.js';

/**
 * The PostgreSQL path of the kill -9 test. It needs pgvector on the server: the test probes
 * `CREATE EXTENSION vector` on a private PostgreSQL and, where the extension is not installed
 * (Debian's PostgreSQL packages reachable here ship none), skips with that reason. This is the
 * one skip allowed under BULWARK_REQUIRE_SYSTEM=1: the PostgreSQL server itself is required.
 */
const postgres = privatePostgresPart();
let server: PrivateServer | undefined;
let noVector = '';

beforeAll(async () => {
  if (!postgres.available) return;
  server = await startPrivatePostgres();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  } catch (error) {
    noVector = `pgvector is not installed on this PostgreSQL (CREATE EXTENSION vector: ${(error as Error).message})`;
  } finally {
    await client.end();
  }
}, 60_000);
afterAll(async () => {
  for (const proc of procs) proc.kill('SIGKILL');
  await server?.remove();
});

describe('memu-core on PostgreSQL with pgvector under kill -9 and restart', () => {
  it.skipIf(!postgres.available)(
    'keeps every acknowledged memory of concurrent batched writes',
    async (ctx) => {
      if (noVector) ctx.skip(noVector);
      await killAndRestartDuringBatchedWrites(server?.url ?? '');
    },
  );
});
