import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { OutboxCorruptError } from './outbox-errors.js';

/**
 * The shipped cursor: the n of the last record the ledger acknowledged, in `shipped.json`.
 * Replaced whole (temp file, fsync, rename, fsync of the directory): a crash leaves the old
 * cursor or the new one. An old one only means records the ledger already has are offered again,
 * which the shipper skips by asking the ledger for the stream's tail.
 */
const CURSOR_FILE = 'shipped.json';

export async function readCursor(dir: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(join(dir, CURSOR_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let shipped: unknown;
  try {
    shipped = (JSON.parse(text) as { shipped?: unknown }).shipped;
  } catch {
    shipped = undefined;
  }
  if (!Number.isSafeInteger(shipped) || (shipped as number) < 0) {
    throw new OutboxCorruptError(`${join(dir, CURSOR_FILE)} does not hold a shipped cursor`);
  }
  return shipped as number;
}

export async function writeCursor(dir: string, shipped: number): Promise<void> {
  const path = join(dir, CURSOR_FILE);
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify({ shipped })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(dir);
}

/** Makes a directory's entries (a file created, renamed) durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
