import { WitnessRejectedError } from './errors.js';
import type { Hash } from './hash.js';
import { type Checkpoint, type NoteKey, openCheckpoint, readCheckpointNote } from './note.js';
import type { SqlDriver } from './store/driver.js';
import { advancesWitness, type Witness, type WitnessedCheckpoint } from './witness.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_witness_checkpoints (
  origin      text NOT NULL,
  tree_size   bigint NOT NULL,
  note        text NOT NULL,
  witnessed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (origin, tree_size)
);
CREATE OR REPLACE FUNCTION ledger_witness_deny_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'ledger witness: % is not allowed; witnessed checkpoints are append-only', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;
DROP TRIGGER IF EXISTS ledger_witness_append_only ON ledger_witness_checkpoints;
CREATE TRIGGER ledger_witness_append_only BEFORE UPDATE OR DELETE ON ledger_witness_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_witness_deny_change();
DROP TRIGGER IF EXISTS ledger_witness_no_truncate ON ledger_witness_checkpoints;
CREATE TRIGGER ledger_witness_no_truncate BEFORE TRUNCATE ON ledger_witness_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_witness_deny_change();
`;

/**
 * A witness in a second database (a different server and administrator than the ledger's):
 * one append-only row per witnessed checkpoint. Same rules as DirectoryWitness: signed by a
 * trusted key, never older than the latest held, provably consistent with it.
 */
export class DatabaseWitness implements Witness {
  readonly name: string;
  readonly #driver: SqlDriver;
  readonly #keys: readonly NoteKey[] | undefined;
  readonly #origin: string;
  #ready: Promise<void> | undefined;

  /** One witness database can serve many logs; this witness holds the log named `origin`. */
  constructor(
    driver: SqlDriver,
    options: { name: string; origin: string; keys?: readonly NoteKey[] },
  ) {
    this.#driver = driver;
    this.#keys = options.keys;
    this.#origin = options.origin;
    this.name = `db:${options.name}`;
  }

  #schema(): Promise<void> {
    if (this.#ready === undefined) {
      const setup = this.#driver.transaction(async (tx) => {
        // 'witness' in ASCII: concurrent first submitters create the table once.
        await tx.query('SELECT pg_advisory_xact_lock(119105116110101115)');
        await tx.exec(SCHEMA);
      });
      this.#ready = setup;
      // A failed setup (the database briefly down) is retried by the next call, not kept.
      setup.catch(() => {
        if (this.#ready === setup) this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  #open(note: string): Checkpoint {
    try {
      return this.#keys ? openCheckpoint(note, this.#keys) : readCheckpointNote(note);
    } catch (error) {
      throw new WitnessRejectedError(`witness ${this.name}: ${(error as Error).message}`);
    }
  }

  async submit(note: string, proof: readonly Hash[]): Promise<void> {
    const checkpoint = this.#open(note);
    if (checkpoint.origin !== this.#origin) {
      throw new WitnessRejectedError(
        `witness ${this.name} holds origin ${this.#origin}, not ${checkpoint.origin}`,
      );
    }
    await this.#schema();
    await this.#driver.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(119105116110101115)');
      const [row] = await tx.query<{ note: string }>(
        'SELECT note FROM ledger_witness_checkpoints WHERE origin = $1 ORDER BY tree_size DESC LIMIT 1',
        [checkpoint.origin],
      );
      if (row) {
        if (!advancesWitness(this.name, this.#open(row.note), checkpoint, proof)) return;
      }
      await tx.query(
        'INSERT INTO ledger_witness_checkpoints (origin, tree_size, note) VALUES ($1, $2, $3)',
        [checkpoint.origin, checkpoint.size, note],
      );
    });
  }

  async #notes(order: 'ASC' | 'DESC', limit: number): Promise<WitnessedCheckpoint[]> {
    const [exists] = await this.#driver.query<{ t: string | null }>(
      "SELECT to_regclass('ledger_witness_checkpoints')::text AS t",
    );
    if (!exists?.t) return [];
    const rows = await this.#driver.query<{ note: string }>(
      `SELECT note FROM ledger_witness_checkpoints WHERE origin = $1 ORDER BY tree_size ${order} LIMIT $2`,
      [this.#origin, limit],
    );
    return rows.map((r) => ({ ...this.#open(r.note), note: r.note }));
  }

  list(): Promise<WitnessedCheckpoint[]> {
    return this.#notes('ASC', Number.MAX_SAFE_INTEGER);
  }

  async latest(): Promise<WitnessedCheckpoint | undefined> {
    return (await this.#notes('DESC', 1))[0];
  }
}
