import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { durationMs, formatDuration } from '../../plan/duration.js';

/** The backup the plan points at cannot be found or read: a fail with this message. */
export class BackupNotFoundError extends Error {
  readonly code = 'BW_RESTORE_NO_BACKUP';
}

export interface DumpFile {
  readonly path: string;
  readonly bytes: number;
  /** When it was last written: a dump's age is its file's. */
  readonly writtenAt: Date;
}

/**
 * The dump the plan names: the file itself, or the newest regular file in the directory (where
 * nightly dumps pile up).
 */
export async function newestDump(path: string): Promise<DumpFile> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new BackupNotFoundError(
      `backup ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  if (info.isFile()) return { path, bytes: info.size, writtenAt: info.mtime };
  if (!info.isDirectory()) throw new BackupNotFoundError(`backup ${path} is not a file`);
  let newest: DumpFile | undefined;
  for (const name of await readdir(path)) {
    const file = join(path, name);
    const entry = await stat(file).catch(() => undefined);
    if (!entry?.isFile()) continue;
    if (!newest || entry.mtime > newest.writtenAt) {
      newest = { path: file, bytes: entry.size, writtenAt: entry.mtime };
    }
  }
  if (!newest) throw new BackupNotFoundError(`backup directory ${path} holds no file`);
  return newest;
}

export interface BackupAge {
  readonly ageMs: number;
  readonly limitMs: number;
  readonly stale: boolean;
  /** One clause for the summary: "newest backup 2d 3h old (limit 24h)". */
  readonly text: string;
}

/**
 * How old the newest backup is against `maxBackupAge`. pgBackRest itself never warns about a
 * stale backup (pgbackrest#1918): a backup job that silently stopped shows up here.
 */
export function judgeAge(newestAt: Date, now: Date, maxBackupAge: string): BackupAge {
  const ageMs = Math.max(0, now.getTime() - newestAt.getTime());
  const limitMs = durationMs(maxBackupAge);
  const stale = ageMs > limitMs;
  return {
    ageMs,
    limitMs,
    stale,
    text: `newest backup ${formatDuration(ageMs)} old (${stale ? 'over the' : 'within the'} ${maxBackupAge} limit)`,
  };
}
