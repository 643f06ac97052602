import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OutboxInUseError } from './outbox-errors.js';

const LOCK_FILE = 'outbox.lock';

/** Directories this process holds, so a second open here fails even though the pid is ours. */
const heldHere = new Set<string>();

/**
 * One writer per outbox directory: two would hand out the same n twice. The lock file is created
 * exclusively and holds the owner's pid; one whose owner is gone (kill -9) is taken over. A lock
 * naming this process's pid that this process does not hold is stale too: a restarted container
 * often gets the same pid as the process it replaces. Written by hand because Node has no flock.
 */
export class OutboxLock {
  readonly #dir: string;
  #released = false;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async acquire(dir: string): Promise<OutboxLock> {
    if (heldHere.has(dir)) throw new OutboxInUseError(`${dir} is already open in this process`);
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, 'wx', 0o600);
        try {
          await handle.writeFile(`${process.pid}\n`);
        } finally {
          await handle.close();
        }
        heldHere.add(dir);
        return new OutboxLock(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
        if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
          throw new OutboxInUseError(`${dir} is open in process ${owner}`);
        }
        await rm(path, { force: true }); // stale: its owner is gone
      }
    }
    throw new OutboxInUseError(`${dir}: could not take the outbox lock`);
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await rm(join(this.#dir, LOCK_FILE), { force: true });
    heldHere.delete(this.#dir);
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
