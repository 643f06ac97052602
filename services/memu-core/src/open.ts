import { isPostgresUrl, openDatabase } from '@bulwark/db';
import { OPENAPI_OUT_VARIABLE, type Service } from '@bulwark/kit';
import { migrateMemory } from '@bulwark/memory';
import { buildMemuCore, type MemuCoreOptions } from './app.js';
import { memuCoreConfigFromEnv } from './config.js';
import { checkEmbeddingsConfig } from './embeddings-config.js';

/**
 * Builds memu-core from the environment: the database (PostgreSQL with pgvector, or PGlite with
 * its bundled vector extension), migrated to the latest schema under the migrator's lock, the
 * embeddings router (GPU_ENABLED, BULWARK_EMBEDDINGS_*), the store and the jobs. The service
 * closes the database on shutdown, after the scheduler has stopped.
 */
export async function openMemuCore(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Omit<MemuCoreOptions, 'db'>> = {},
): Promise<Service> {
  const config = memuCoreConfigFromEnv(env);
  // Every setting is checked before the database is opened: a typo fails in milliseconds.
  checkEmbeddingsConfig(env);
  // A document dump (bulwark contract snapshot) needs the routes, not the data: it must not take
  // the data directory's lock from a running memu-core, nor create one where none should be.
  const dump = Boolean(env[OPENAPI_OUT_VARIABLE]);
  const url = dump ? 'memory://' : config.databaseUrl;
  const postgres = isPostgresUrl(url);
  const db = await openDatabase({
    url,
    name: 'memu-core',
    extensions: ['vector'],
  });
  try {
    await migrateMemory(db);
    return buildMemuCore({
      db,
      ledgerUrl: config.ledgerUrl,
      jobs: {
        guard: { minRecall: config.minRecall },
        compression: { threshold: config.compressionThreshold },
      },
      intervalsMs: {
        retention: config.retentionIntervalMs,
        compression: config.compressionIntervalMs,
      },
      ...(postgres ? { connectionString: url } : {}),
      env,
      ...overrides,
    });
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
