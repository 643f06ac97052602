import type { Signer } from '@bulwark/keys';
import {
  type Checkpoint,
  cosignCheckpointBody,
  formatCosignerKey,
  hashesEqual,
  type NoteKey,
  openCheckpoint,
  parseNote,
  readCheckpointNote,
  verifyConsistency,
  type Witness,
  type WitnessedCheckpoint,
  WitnessRejectedError,
} from '@bulwark/ledger';
import type { AddCheckpointRequest } from './add-checkpoint-request.js';
import {
  InconsistentProofError,
  LogSignatureError,
  MalformedRequestError,
  NoCheckpointError,
  OldSizeConflictError,
  UnknownOriginError,
} from './errors.js';
import type { LogKeys } from './log-keys.js';
import { OriginLock } from './origin-lock.js';

export interface CosigningWitnessOptions {
  /** The cosigner name on every cosignature line. */
  readonly name: string;
  /** The witness's own Ed25519 key (cosignature/v1). */
  readonly signer: Signer;
  readonly logKeys: LogKeys;
  /** Where the checkpoints of one log are kept (DirectoryWitness or DatabaseWitness, keyless). */
  readonly storeFor: (origin: string) => Witness;
  /** Seconds since the epoch, for the cosignature timestamp. */
  readonly now?: () => number;
}

/** What add-checkpoint did. */
export interface Cosigned {
  readonly origin: string;
  readonly size: number;
  /** The cosignature line(s), each newline-terminated: the response body. */
  readonly cosignature: string;
  /** False when the witness already held this checkpoint (cosigned again, nothing stored). */
  readonly stored: boolean;
}

/**
 * The witness: C2SP tlog-witness add-checkpoint semantics over a store that remembers every
 * checkpoint it cosigned (so verifiers can fetch the history, not only the latest). It cosigns
 * a checkpoint only if the log's key signed it, the old size is exactly what it holds, and the
 * consistency proof leads from what it holds to the new tree; it never goes backwards.
 */
export class CosigningWitness {
  readonly name: string;
  readonly #signer: Signer;
  readonly #logKeys: LogKeys;
  readonly #storeFor: (origin: string) => Witness;
  readonly #stores = new Map<string, Witness>();
  readonly #now: () => number;
  readonly #lock = new OriginLock();

  constructor(options: CosigningWitnessOptions) {
    this.name = options.name;
    this.#signer = options.signer;
    this.#logKeys = options.logKeys;
    this.#storeFor = options.storeFor;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** The verifier key clients configure to check this witness's cosignatures. */
  get cosignerKey(): NoteKey {
    return { name: this.name, publicKey: this.#signer.publicKey };
  }

  get verifierKey(): string {
    return formatCosignerKey(this.cosignerKey);
  }

  origins(): readonly string[] {
    return this.#logKeys.origins();
  }

  async addCheckpoint(request: AddCheckpointRequest): Promise<Cosigned> {
    let checkpoint: Checkpoint;
    let body: string;
    try {
      body = parseNote(request.note).body;
      checkpoint = readCheckpointNote(request.note);
    } catch (error) {
      throw new MalformedRequestError(`the checkpoint: ${(error as Error).message}`);
    }
    const keys = await this.#logKeys.keysFor(checkpoint.origin);
    if (keys === undefined) throw new UnknownOriginError(checkpoint.origin);
    try {
      openCheckpoint(request.note, keys);
    } catch {
      throw new LogSignatureError(checkpoint.origin);
    }
    if (request.oldSize > checkpoint.size) {
      throw new MalformedRequestError(
        `the old size ${request.oldSize} is larger than the checkpoint size ${checkpoint.size}`,
      );
    }
    if (request.oldSize === 0 && request.proof.length > 0) {
      throw new MalformedRequestError('a consistency proof from size 0 is empty');
    }
    return this.#lock.run(checkpoint.origin, async () => {
      const store = this.#store(checkpoint.origin);
      const latest = await store.latest();
      const held = latest?.size ?? 0;
      if (request.oldSize !== held) {
        throw new OldSizeConflictError(
          `this witness holds size ${held}, not ${request.oldSize}`,
          held,
        );
      }
      if (latest && checkpoint.size === held && !hashesEqual(latest.root, checkpoint.root)) {
        throw new OldSizeConflictError(`this witness holds another root at size ${held}`, held);
      }
      if (
        latest &&
        !verifyConsistency(held, checkpoint.size, request.proof, latest.root, checkpoint.root)
      ) {
        throw new InconsistentProofError(held, checkpoint.size);
      }
      const cosignature = await cosignCheckpointBody(body, this.name, this.#signer, this.#now());
      const stored = !latest || checkpoint.size > held;
      if (stored) {
        try {
          await store.submit(request.note + cosignature, request.proof, held);
        } catch (error) {
          // Another replica over the same database got there first: answer as the spec says.
          if (!(error instanceof WitnessRejectedError)) throw error;
          const now = (await store.latest())?.size ?? 0;
          throw new OldSizeConflictError(`this witness now holds size ${now}`, now);
        }
      }
      return { origin: checkpoint.origin, size: checkpoint.size, cosignature, stored };
    });
  }

  /** The latest cosigned checkpoint of `origin` (its note carries this witness's cosignature). */
  async latest(origin: string): Promise<WitnessedCheckpoint> {
    this.#known(origin);
    const latest = await this.#store(origin).latest();
    if (!latest) throw new NoCheckpointError(origin);
    return latest;
  }

  /** Every checkpoint of `origin` this witness cosigned, smallest first. */
  async list(origin: string): Promise<WitnessedCheckpoint[]> {
    this.#known(origin);
    return this.#store(origin).list();
  }

  #known(origin: string): void {
    if (!this.#logKeys.origins().includes(origin)) throw new UnknownOriginError(origin);
  }

  #store(origin: string): Witness {
    let store = this.#stores.get(origin);
    if (!store) {
      store = this.#storeFor(origin);
      this.#stores.set(origin, store);
    }
    return store;
  }
}
