import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from './errors.js';

const LOCK_FILE = 'bulwark.lock';

/**
 * PGlite is single-process PostgreSQL: two processes opening one data directory each run their
 * own server over the same files, and the second corrupts what the first acknowledged. This
 * lock file (created exclusively, holding the owner's pid) makes the second opener fail with a
 * clear error (DB_IN_USE, naming the holder) instead. A lock whose owner no longer exists
 * (kill -9, a crash) is taken over. Written by hand: PostgreSQL's own postmaster.pid is not
 * written by PGlite.
 */
export class DataDirectoryLock {
  readonly #path: string;
  #released = false;

  private constructor(path: string) {
    this.#path = path;
  }

  /**
   * Takes the directory's lock or throws DB_IN_USE. `hint` ends the message (what to do instead,
   * e.g. "stop it first, or ask the running service").
   */
  static acquire(dataDir: string, hint = 'stop it first'): DataDirectoryLock {
    const path = join(dataDir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new DataDirectoryLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = DataDirectoryLock.holder(dataDir);
        if (owner !== undefined) {
          throw new DatabaseError(
            'DB_IN_USE',
            `${dataDir} is open in process ${owner}${owner === process.pid ? ' (this one)' : ''}; ${hint}`,
          );
        }
        rmSync(path, { force: true }); // stale: its owner is gone
      }
    }
    throw new DatabaseError('DB_IN_USE', `${dataDir}: could not take the lock`);
  }

  /** The pid of the live process holding the directory, if any. */
  static holder(dataDir: string): number | undefined {
    let text: string;
    try {
      text = readFileSync(join(dataDir, LOCK_FILE), 'utf8');
    } catch {
      return undefined;
    }
    const owner = Number.parseInt(text, 10);
    return Number.isInteger(owner) && isAlive(owner) ? owner : undefined;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    rmSync(this.#path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
