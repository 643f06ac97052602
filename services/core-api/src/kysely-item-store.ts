import { randomUUID } from 'node:crypto';
import type { Database } from '@bulwark/db';
import { type Generated, type Kysely, type Selectable, sql } from 'kysely';
import { asDependencyError } from './database-errors.js';
import type { Item, ItemStore, NewItem } from './items.js';

/** The items table as migrations/0001_items.up.sql creates it. */
export interface ItemsTable {
  id: string;
  seq: Generated<string>;
  name: string;
  quantity: number;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export interface CoreApiSchema {
  items: ItemsTable;
}

type ItemRow = Pick<
  Selectable<ItemsTable>,
  'id' | 'name' | 'quantity' | 'version' | 'created_at' | 'updated_at'
>;
const COLUMNS = ['id', 'name', 'quantity', 'version', 'created_at', 'updated_at'] as const;

/**
 * Items in PostgreSQL or PGlite, through @bulwark/db's Kysely. Each call is one statement, so
 * every acknowledged write is committed (autocommit) before the route answers. Takes an open
 * database, or a function giving it (core-api opens its database on first use).
 */
export class KyselyItemStore implements ItemStore {
  readonly #database: () => Promise<Database<CoreApiSchema>>;

  constructor(database: Database<CoreApiSchema> | (() => Promise<Database<CoreApiSchema>>)) {
    this.#database = typeof database === 'function' ? database : async () => database;
  }

  async #kysely(): Promise<Kysely<CoreApiSchema>> {
    return (await this.#database()).kysely;
  }

  /** Runs one statement; a database that is down becomes a 503 (see asDependencyError). */
  async #run<T>(statement: (db: Kysely<CoreApiSchema>) => Promise<T>): Promise<T> {
    try {
      return await statement(await this.#kysely());
    } catch (error) {
      throw asDependencyError(error);
    }
  }

  async create(input: NewItem): Promise<Item> {
    const row = await this.#run((db) =>
      db
        .insertInto('items')
        .values({ id: randomUUID(), name: input.name, quantity: input.quantity })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow(),
    );
    return toItem(row);
  }

  async get(id: string): Promise<Item | undefined> {
    const row = await this.#run((db) =>
      db.selectFrom('items').select(COLUMNS).where('id', '=', id).executeTakeFirst(),
    );
    return row && toItem(row);
  }

  async list(limit: number): Promise<Item[]> {
    const rows = await this.#run((db) =>
      db.selectFrom('items').select(COLUMNS).orderBy('seq', 'desc').limit(limit).execute(),
    );
    return rows.reverse().map(toItem);
  }

  async update(id: string, input: NewItem): Promise<Item | undefined> {
    const row = await this.#run((db) =>
      db
        .updateTable('items')
        .set({
          name: input.name,
          quantity: input.quantity,
          version: sql<number>`version + 1`,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', id)
        .returning(COLUMNS)
        .executeTakeFirst(),
    );
    return row && toItem(row);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#run((db) =>
      db.deleteFrom('items').where('id', '=', id).executeTakeFirst(),
    );
    return result.numDeletedRows > 0n;
  }
}

function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    name: row.name,
    quantity: row.quantity,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
