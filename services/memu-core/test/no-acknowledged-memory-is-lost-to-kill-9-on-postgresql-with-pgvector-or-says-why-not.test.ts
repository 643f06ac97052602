import {
  type PrivateServer,
  pgvectorMissing,
  privatePostgresPart,
  startPrivatePostgres,
} from '@bulwark/testkit';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { killAndRestartDuringBatchedWrites, procs } from './fixtures/batched-writers.js';

/**
 * The PostgreSQL path of the kill -9 test. It needs pgvector on the server: where a private
 * PostgreSQL lacks it, the test skips with pgvectorMissing's reason (the one skip allowed under
 * BULWARK_REQUIRE_SYSTEM=1; the PostgreSQL server itself is required).
 */
const postgres = privatePostgresPart();
let server: PrivateServer | undefined;
let noVector = '';

beforeAll(async () => {
  if (!postgres.available) return;
  server = await startPrivatePostgres();
  noVector = await pgvectorMissing(server.url);
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
