import { BackupNotFoundError } from './restore-backup-age.js';
import type { PgBackRestParamsValue, RestoreTargetValue } from './restore-params.js';
import { type CommandResult, type OsUser, runCommand } from './restore-process.js';

/** A backup set in the repository, as `pgbackrest info` describes it. */
export interface BackupSet {
  readonly label: string;
  readonly type: string;
  /** When the backup finished: its age is counted from here. */
  readonly stoppedAt: Date;
  readonly bytes: number;
  /** PostgreSQL major version of the cluster it was taken from. */
  readonly pgVersion?: string;
}

/** The pgBackRest repository of one stanza, through the `pgbackrest` command. */
export class PgBackRestRepo {
  readonly #params: PgBackRestParamsValue;
  readonly #user: OsUser | undefined;

  constructor(params: PgBackRestParamsValue, user: OsUser | undefined) {
    this.#params = params;
    this.#user = user;
  }

  /** The newest backup set; BackupNotFoundError when the stanza holds none. */
  async newest(signal: AbortSignal): Promise<BackupSet> {
    const info = await this.#run(['info', '--output=json'], signal);
    return newestBackup(info.stdout, this.#params.stanza);
  }

  async backup(type: 'full' | 'diff' | 'incr', signal: AbortSignal): Promise<CommandResult> {
    return this.#run(['backup', `--type=${type}`], signal);
  }

  /**
   * Restores into `dataDir` (a new, empty directory), never touching the source's: every
   * tablespace is mapped under `tablespaceDir` (by default pgBackRest would restore them to the
   * source's own paths), and the restored server is written `archive_mode = off` so it can
   * never push WAL into the repository it came from.
   */
  async restore(
    dataDir: string,
    tablespaceDir: string,
    target: RestoreTargetValue,
    signal: AbortSignal,
  ): Promise<CommandResult> {
    const targetArgs =
      target.type === 'immediate'
        ? ['--type=immediate']
        : [
            `--type=${target.type}`,
            `--target=${target.type === 'time' ? pgTime(target.value) : target.value}`,
          ];
    return this.#run(
      [
        'restore',
        `--pg1-path=${dataDir}`,
        ...targetArgs,
        '--target-action=promote',
        `--tablespace-map-all=${tablespaceDir}`,
        '--archive-mode=off',
      ],
      signal,
    );
  }

  #run(args: readonly string[], signal: AbortSignal): Promise<CommandResult> {
    const p = this.#params;
    return runCommand(
      p.command,
      [
        ...(p.config ? [`--config=${p.config}`] : []),
        ...(p.repoPath ? [`--repo1-path=${p.repoPath}`] : []),
        `--stanza=${p.stanza}`,
        ...args,
      ],
      { signal, ...(this.#user ? { user: this.#user } : {}) },
    );
  }
}

interface InfoStanza {
  name?: string;
  status?: { code?: number; message?: string };
  backup?: Array<{
    label?: string;
    type?: string;
    timestamp?: { stop?: number };
    info?: { size?: number };
    database?: { id?: number };
  }>;
  db?: Array<{ id?: number; version?: string }>;
}

/** The newest backup of `stanza` in `pgbackrest info --output=json`. */
export function newestBackup(json: string, stanza: string): BackupSet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new BackupNotFoundError('pgbackrest info did not answer JSON');
  }
  const entry = (Array.isArray(parsed) ? (parsed as InfoStanza[]) : []).find(
    (s) => s.name === stanza,
  );
  if (!entry) throw new BackupNotFoundError(`pgbackrest knows no stanza ${stanza}`);
  const sets = (entry.backup ?? []).filter((b) => typeof b.timestamp?.stop === 'number');
  const newest = sets.reduce<(typeof sets)[number] | undefined>(
    (a, b) => (!a || (b.timestamp?.stop ?? 0) > (a.timestamp?.stop ?? 0) ? b : a),
    undefined,
  );
  if (!newest) {
    const why = entry.status?.message ? ` (${entry.status.message})` : '';
    throw new BackupNotFoundError(`stanza ${stanza} holds no backup${why}`);
  }
  const db = entry.db?.find((d) => d.id === newest.database?.id);
  return {
    label: newest.label ?? '?',
    type: newest.type ?? '?',
    stoppedAt: new Date((newest.timestamp?.stop ?? 0) * 1000),
    bytes: newest.info?.size ?? 0,
    ...(db?.version ? { pgVersion: db.version } : {}),
  };
}

/** pgBackRest reads `YYYY-MM-DD HH:MM:SS.mmm+00`; plans write RFC 3339. */
export function pgTime(rfc3339: string): string {
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a time: ${rfc3339}`);
  return `${at.toISOString().replace('T', ' ').replace('Z', '')}+00`;
}
