import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type NoteError, WitnessRejectedError } from './errors.js';
import type { Hash } from './hash.js';
import { verifyConsistency } from './merkle.js';
import { type Checkpoint, type NoteKey, openCheckpoint, readCheckpointNote } from './note.js';

/** A checkpoint a witness holds, with the note it came in. */
export interface WitnessedCheckpoint extends Checkpoint {
  readonly note: string;
}

/**
 * Somewhere outside the ledger's database that remembers signed checkpoints and refuses to go
 * backwards. A database administrator can rewrite the ledger's tables; not the witness.
 */
export interface Witness {
  readonly name: string;
  /**
   * Accepts `note` only if it is signed by a trusted key, is not older than the latest it holds,
   * and `proof` shows it extends that latest checkpoint. Throws WitnessRejectedError otherwise.
   * `oldSize` is the size `proof` starts from (the witness's latest as the caller read it): a
   * remote witness (C2SP tlog-witness) needs it on the wire; local witnesses read their own.
   */
  submit(note: string, proof: readonly Hash[], oldSize?: number): Promise<void>;
  latest(): Promise<WitnessedCheckpoint | undefined>;
  /** Every checkpoint held, smallest size first. */
  list(): Promise<WitnessedCheckpoint[]>;
}

const FILE = /^checkpoint-(\d{16})\.note$/;

/**
 * A witness in a directory (another disk, a mounted bucket, a separate host's share): one file
 * per checkpoint, written to a temporary name, fsynced, then renamed, so a crash leaves either
 * the whole checkpoint or none.
 */
/**
 * The rule every witness applies before it records a checkpoint: never go backwards, and only
 * forwards along a consistency proof from what it already holds. Returns false for the same
 * checkpoint again (nothing to record); throws WitnessRejectedError for anything else.
 */
export function advancesWitness(
  witness: string,
  latest: Checkpoint,
  checkpoint: Checkpoint,
  proof: readonly Hash[],
): boolean {
  if (checkpoint.size < latest.size) {
    throw new WitnessRejectedError(
      `witness ${witness}: checkpoint size ${checkpoint.size} is older than the witnessed ${latest.size} (rollback or replay)`,
    );
  }
  if (!verifyConsistency(latest.size, checkpoint.size, proof, latest.root, checkpoint.root)) {
    throw new WitnessRejectedError(
      `witness ${witness}: size ${checkpoint.size} is not consistent with the witnessed size ${latest.size}`,
    );
  }
  return checkpoint.size !== latest.size;
}

export class DirectoryWitness implements Witness {
  readonly name: string;
  readonly #dir: string;
  readonly #keys: readonly NoteKey[] | undefined;

  /** Without keys the witness stores what it is given but cannot vouch for signatures. */
  constructor(dir: string, keys?: readonly NoteKey[]) {
    this.#dir = dir;
    this.#keys = keys;
    this.name = `dir:${dir}`;
  }

  #open(note: string): Checkpoint {
    try {
      return this.#keys ? openCheckpoint(note, this.#keys) : readCheckpointNote(note);
    } catch (error) {
      throw new WitnessRejectedError(`witness ${this.name}: ${(error as NoteError).message}`);
    }
  }

  async submit(note: string, proof: readonly Hash[]): Promise<void> {
    const checkpoint = this.#open(note);
    const latest = await this.latest();
    if (latest) {
      if (latest.origin !== checkpoint.origin) {
        throw new WitnessRejectedError(
          `witness ${this.name} holds origin ${latest.origin}, not ${checkpoint.origin}`,
        );
      }
      if (!advancesWitness(this.name, latest, checkpoint, proof)) return;
    }
    await mkdir(this.#dir, { recursive: true });
    const name = `checkpoint-${String(checkpoint.size).padStart(16, '0')}.note`;
    const temporary = join(this.#dir, `.${name}.${process.pid}.tmp`);
    const file = await open(temporary, 'w', 0o644);
    try {
      await file.writeFile(note, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, join(this.#dir, name));
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async #files(): Promise<string[]> {
    try {
      return (await readdir(this.#dir)).filter((f) => FILE.test(f)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  async #read(file: string): Promise<WitnessedCheckpoint> {
    const note = await readFile(join(this.#dir, file), 'utf8');
    return { ...this.#open(note), note };
  }

  async latest(): Promise<WitnessedCheckpoint | undefined> {
    const files = await this.#files();
    const last = files[files.length - 1];
    return last === undefined ? undefined : this.#read(last);
  }

  async list(): Promise<WitnessedCheckpoint[]> {
    return Promise.all((await this.#files()).map((f) => this.#read(f)));
  }
}
