import { DatabaseError, DataDirectoryLock as DbDataDirectoryLock } from '@bulwark/db';
import { DataDirectoryInUseError } from '../errors.js';

/**
 * The PGlite data directory lock lives in @bulwark/db (every embedded store takes it, and
 * `bulwark db` checks it); the ledger keeps its own error class for its callers.
 */
export class DataDirectoryLock {
  readonly #lock: DbDataDirectoryLock;

  private constructor(lock: DbDataDirectoryLock) {
    this.#lock = lock;
  }

  static acquire(dataDir: string): DataDirectoryLock {
    try {
      return new DataDirectoryLock(
        DbDataDirectoryLock.acquire(
          dataDir,
          'stop it first, or ask the running service (GET /v1/ledger/verify)',
        ),
      );
    } catch (error) {
      if (error instanceof DatabaseError && error.code === 'DB_IN_USE') {
        throw new DataDirectoryInUseError(error.message);
      }
      throw error;
    }
  }

  release(): void {
    this.#lock.release();
  }
}
