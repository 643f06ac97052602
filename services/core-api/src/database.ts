import {
  type Database,
  MigrationSet,
  migrateToLatest,
  openDatabase,
  registerPoolMetrics,
} from '@bulwark/db';
import { dependencyProbe, type Service } from '@bulwark/kit';
import { sql } from 'kysely';
import type { CoreApiSchema } from './kysely-item-store.js';

/** core-api's schema: bookkeeping in core_api_migrations, beside other services' sets. */
export const coreApiMigrations = (): MigrationSet =>
  MigrationSet.fromDirectory('core_api', new URL('./migrations/', import.meta.url));

/**
 * core-api's database, opened on first use: by the startup step, or by the first request if one
 * arrives before it (the listener binds before startup runs). Building the service opens
 * nothing, so `bulwark contract snapshot` (which only reads the OpenAPI document) touches no
 * data directory. Once open it is migrated to the latest schema (under the migration lock, so
 * replicas starting together migrate once), its pool gauges are on the service's registry, and
 * /ready asks it `select 1`. A URL is opened and closed by the service; a Database passed in
 * stays its caller's to close.
 */
export class CoreApiDatabase {
  readonly #service: Service;
  readonly #source: Database<CoreApiSchema> | string;
  #opened: Promise<Database<CoreApiSchema>> | undefined;

  constructor(service: Service, source: Database<CoreApiSchema> | string) {
    this.#service = service;
    this.#source = source;
    service.onStartup('database', async () => {
      const db = await this.get();
      service.logger.info({ database: db.displayUrl, kind: db.kind }, 'items database open');
    });
    service.addReadinessProbe(
      dependencyProbe({ name: 'database' }, async () => {
        await sql`select 1`.execute((await this.get()).kysely);
      }),
    );
    service.resources.add('database', async () => {
      const opened = this.#opened;
      this.#opened = undefined;
      if (!opened || typeof this.#source !== 'string') return;
      await (await opened.catch(() => undefined))?.close();
    });
  }

  /** The open, migrated database. A failed open is retried by the next caller. */
  get(): Promise<Database<CoreApiSchema>> {
    if (!this.#opened) {
      const opening = this.#open();
      this.#opened = opening;
      opening.catch(() => {
        if (this.#opened === opening) this.#opened = undefined;
      });
    }
    return this.#opened;
  }

  async #open(): Promise<Database<CoreApiSchema>> {
    const source = this.#source;
    const db =
      typeof source === 'string'
        ? await openDatabase<CoreApiSchema>({ url: source, name: 'core-api' })
        : source;
    try {
      await migrateToLatest(db, coreApiMigrations());
    } catch (error) {
      if (typeof source === 'string') await db.close().catch(() => undefined);
      throw error;
    }
    registerPoolMetrics(this.#service.metrics.registry, db);
    return db;
  }
}
