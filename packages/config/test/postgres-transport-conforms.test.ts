import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresConfigTransport } from '../src/index.js';
import { freshPostgresDatabase, sharedPostgres } from './fixtures/transport-servers.js';
import { transportConformance } from './transport-conformance.js';

/** PostgresConfigTransport on the machine's PostgreSQL, in a database of this file's own. */
let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
beforeAll(async () => {
  if (sharedPostgres.available) database = await freshPostgresDatabase();
});
afterAll(() => database?.remove());

describe.skipIf(!sharedPostgres.available)('PostgreSQL LISTEN/NOTIFY', () => {
  transportConformance('PostgresConfigTransport', {
    open: (options) =>
      PostgresConfigTransport.connect({
        url: database?.url ?? '',
        retryDelayMs: 100,
        ...(options?.onError === undefined ? {} : { onError: options.onError }),
      }),
  });
});
