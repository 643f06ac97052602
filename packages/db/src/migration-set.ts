import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseError } from './errors.js';

/** One migration: `NNNN_slug.up.sql` and its `NNNN_slug.down.sql`. */
export interface MigrationFile {
  /** `NNNN_slug`: the name recorded in the bookkeeping table. */
  readonly name: string;
  readonly version: number;
  readonly up: string;
  readonly down: string;
  /** The files' paths, for messages. */
  readonly upFile: string;
  readonly downFile: string;
}

const FILE = /^(\d{4})_([a-z0-9][a-z0-9_-]*)\.(up|down)\.sql$/;
const SET_NAME = /^[a-z][a-z0-9_]{0,40}$/;

/**
 * A service's ordered migrations. Bookkeeping lives in `<name>_migrations` and
 * `<name>_migrations_lock`, so several services can share one PostgreSQL database.
 */
export class MigrationSet {
  readonly name: string;
  readonly migrations: readonly MigrationFile[];

  private constructor(name: string, migrations: readonly MigrationFile[]) {
    this.name = name;
    this.migrations = migrations;
  }

  get tableName(): string {
    return `${this.name}_migrations`;
  }
  get lockTableName(): string {
    return `${this.name}_migrations_lock`;
  }

  /** Reads `NNNN_slug.up.sql` / `.down.sql` pairs; other .sql files, a lone half or a repeated number are DB_MIGRATIONS_INVALID. */
  static fromDirectory(name: string, directory: string | URL): MigrationSet {
    const dir = typeof directory === 'string' ? directory : fileURLToPath(directory);
    const invalid = (why: string) =>
      new DatabaseError('DB_MIGRATIONS_INVALID', `migrations ${name} (${dir}): ${why}`);
    let entries: string[];
    try {
      if (!statSync(dir).isDirectory()) throw invalid('not a directory');
      entries = readdirSync(dir);
    } catch (error) {
      if (error instanceof DatabaseError) throw error;
      throw invalid(`cannot read it: ${(error as Error).message}`);
    }
    const halves = new Map<string, { up?: string; down?: string }>();
    for (const file of entries.sort()) {
      if (!file.endsWith('.sql')) continue; // READMEs and the like
      const match = FILE.exec(file);
      if (!match) {
        throw invalid(
          `${file} is not named NNNN_slug.up.sql or NNNN_slug.down.sql (slug: a-z 0-9 _ -)`,
        );
      }
      const stem = `${match[1]}_${match[2]}`;
      const pair = halves.get(stem) ?? {};
      pair[match[3] as 'up' | 'down'] = file;
      halves.set(stem, pair);
    }
    const migrations: MigrationFile[] = [];
    const byVersion = new Map<number, string>();
    for (const [stem, pair] of [...halves].sort(([a], [b]) => a.localeCompare(b))) {
      if (!pair.up) throw invalid(`${pair.down} has no ${stem}.up.sql`);
      if (!pair.down)
        throw invalid(`${pair.up} has no ${stem}.down.sql (every migration needs a down)`);
      const version = Number.parseInt(stem.slice(0, 4), 10);
      const other = byVersion.get(version);
      if (other) throw invalid(`${other} and ${stem} share the number ${stem.slice(0, 4)}`);
      byVersion.set(version, stem);
      const upFile = join(dir, pair.up);
      const downFile = join(dir, pair.down);
      migrations.push({
        name: stem,
        version,
        up: readFileSync(upFile, 'utf8'),
        down: readFileSync(downFile, 'utf8'),
        upFile,
        downFile,
      });
    }
    return MigrationSet.of(name, migrations);
  }

  /** A set from migrations in memory (tests, generated SQL); the same rules as fromDirectory. */
  static of(name: string, migrations: readonly MigrationFile[]): MigrationSet {
    if (!SET_NAME.test(name)) {
      throw new DatabaseError(
        'DB_MIGRATIONS_INVALID',
        `migration set name ${JSON.stringify(name)}: use a-z 0-9 _ (it names the table ${name}_migrations)`,
      );
    }
    const sorted = [...migrations].sort((a, b) => a.name.localeCompare(b.name));
    return new MigrationSet(name, sorted);
  }

  find(name: string): MigrationFile | undefined {
    return this.migrations.find((m) => m.name === name);
  }
}
