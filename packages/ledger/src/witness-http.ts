import { verifyCosignature } from './cosignature.js';
import { WitnessRejectedError } from './errors.js';
import type { Hash } from './hash.js';
import {
  type Checkpoint,
  type NoteKey,
  openCheckpoint,
  parseNote,
  readCheckpointNote,
} from './note.js';
import type { Witness, WitnessedCheckpoint } from './witness.js';
import {
  UntrustedWitnessAnswerError,
  WitnessConfigError,
  WitnessConflictError,
  WitnessUnavailableError,
} from './witness-errors.js';
import { MAX_PROOF_LINES, SIZE_CONTENT_TYPE } from './witness-protocol.js';

export interface HttpWitnessOptions {
  /** The witness service's base URL (its submission and monitoring prefix), e.g. http://127.0.0.1:4300. */
  readonly url: string;
  /** The log this client submits and reads: the checkpoint origin. */
  readonly origin: string;
  /** The log's note keys: when given, every checkpoint read back must carry the log's signature. */
  readonly logKeys?: readonly NoteKey[];
  /**
   * The witness's cosigner keys (C2SP cosignature/v1, type 0x04): when given, checkpoints read
   * back and cosignatures returned by add-checkpoint must carry a valid cosignature by one of them.
   */
  readonly witnessKeys?: readonly NoteKey[];
  /** How this witness is named in reports (default: the URL). */
  readonly name?: string;
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
}

/** The read routes' list answer. */
interface CheckpointListBody {
  readonly origin?: unknown;
  readonly checkpoints?: unknown;
}

const PROBLEM = 'application/problem+json';
/** Errors of a connection that died under a request before any answer (see #fetch). */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** Answers larger than this are not a witness's (a list of 10^5 notes is ~40 MB). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * A witness service reached over HTTP (services/witness): submits checkpoints with the C2SP
 * tlog-witness `add-checkpoint` call and reads back what the witness holds, so a verifier on a
 * fresh machine needs only the witness's URL and keys, not local witness files.
 *
 * Uses the platform fetch (undici): a handful of requests per checkpoint or verify, each bounded
 * by a timeout, needs no connection pool of its own.
 */
export class HttpWitness implements Witness {
  readonly name: string;
  readonly origin: string;
  readonly #base: URL;
  readonly #logKeys: readonly NoteKey[] | undefined;
  readonly #witnessKeys: readonly NoteKey[] | undefined;
  readonly #timeoutMs: number;

  constructor(options: HttpWitnessOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new WitnessConfigError(`the witness URL ${JSON.stringify(options.url)} is not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new WitnessConfigError(
        `the witness URL must be http:// or https://, not ${base.protocol}`,
      );
    }
    if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
    this.#base = base;
    this.origin = options.origin;
    this.#logKeys = options.logKeys;
    this.#witnessKeys = options.witnessKeys;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    // Reports and logs name the witness: never with credentials a URL may carry.
    this.name = options.name ?? `${base.origin}${base.pathname}`.replace(/\/$/, '');
  }

  /**
   * Submits `note` with a consistency proof from `oldSize` (default: the size the witness now
   * reports). Resolves once the witness has persisted and cosigned it; WitnessConflictError
   * (with the witness's size) when the witness holds another size, WitnessRejectedError when it
   * refuses the signature or proof, WitnessUnavailableError when it cannot be reached.
   */
  async submit(note: string, proof: readonly Hash[], oldSize?: number): Promise<void> {
    const checkpoint = this.#checkpointOf(note, (m) => new WitnessRejectedError(m));
    if (proof.length > MAX_PROOF_LINES) {
      throw new WitnessRejectedError(
        `witness ${this.name}: a consistency proof has at most ${MAX_PROOF_LINES} hashes`,
      );
    }
    const old = oldSize ?? (await this.latest())?.size ?? 0;
    const body = [
      `old ${old}\n`,
      ...proof.map((hash) => `${Buffer.from(hash).toString('base64')}\n`),
      '\n',
      note,
    ].join('');
    const response = await this.#fetch('add-checkpoint', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body,
    });
    const text = await this.#text(response);
    if (response.status === 200) {
      this.#checkCosignatureLines(note, text);
      return;
    }
    throw this.#submitError(response, text, old, checkpoint);
  }

  /** The latest checkpoint the witness holds for the origin; undefined when it holds none yet. */
  async latest(): Promise<WitnessedCheckpoint | undefined> {
    const response = await this.#fetch(`${this.#originPath()}/checkpoints/latest`, {
      method: 'GET',
      headers: { accept: 'text/plain' },
    });
    const text = await this.#text(response);
    if (response.status === 404 && this.#problemCode(response, text) === 'WITNESS_NO_CHECKPOINT') {
      return undefined;
    }
    if (response.status !== 200) throw this.#readError(response, text);
    return this.#witnessed(text);
  }

  /** Every checkpoint the witness holds for the origin, smallest size first. */
  async list(): Promise<WitnessedCheckpoint[]> {
    const response = await this.#fetch(`${this.#originPath()}/checkpoints`, {
      method: 'GET',
      headers: { accept: 'application/json' },
    });
    const text = await this.#text(response);
    if (response.status !== 200) throw this.#readError(response, text);
    let body: CheckpointListBody;
    try {
      body = JSON.parse(text) as CheckpointListBody;
    } catch {
      throw new WitnessUnavailableError(`witness ${this.name}: the checkpoint list is not JSON`);
    }
    if (body?.origin !== this.origin || !Array.isArray(body.checkpoints)) {
      throw new WitnessUnavailableError(
        `witness ${this.name}: the checkpoint list is not { origin: ${JSON.stringify(this.origin)}, checkpoints: [...] }`,
      );
    }
    const held = body.checkpoints.map((item: unknown) => {
      const note = (item as { note?: unknown } | null)?.note;
      if (typeof note !== 'string') {
        throw new WitnessUnavailableError(`witness ${this.name}: a listed checkpoint has no note`);
      }
      return this.#witnessed(note);
    });
    for (let i = 1; i < held.length; i++) {
      if ((held[i] as WitnessedCheckpoint).size <= (held[i - 1] as WitnessedCheckpoint).size) {
        throw new UntrustedWitnessAnswerError(
          `witness ${this.name}: the checkpoint list is not in increasing size order`,
        );
      }
    }
    return held;
  }

  #originPath(): string {
    return `v1/witness/${encodeURIComponent(this.origin)}`;
  }

  /** Opens a note the witness returned: origin, log signature (with logKeys), cosignature (with witnessKeys). */
  #witnessed(note: string): WitnessedCheckpoint {
    const checkpoint = this.#checkpointOf(note, (m) => new UntrustedWitnessAnswerError(m));
    if (this.#witnessKeys) {
      try {
        verifyCosignature(note, this.#witnessKeys);
      } catch (error) {
        throw new UntrustedWitnessAnswerError(
          `witness ${this.name}: checkpoint of size ${checkpoint.size}: ${(error as Error).message}`,
        );
      }
    }
    return { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root, note };
  }

  #checkpointOf(note: string, fail: (message: string) => Error): Checkpoint {
    let checkpoint: Checkpoint;
    try {
      checkpoint = this.#logKeys ? openCheckpoint(note, this.#logKeys) : readCheckpointNote(note);
    } catch (error) {
      throw fail(`witness ${this.name}: ${(error as Error).message}`);
    }
    if (checkpoint.origin !== this.origin) {
      throw fail(
        `witness ${this.name}: checkpoint origin ${checkpoint.origin} is not ${this.origin}`,
      );
    }
    return checkpoint;
  }

  /** add-checkpoint's 200 body: signature lines that, appended to the note, verify as a cosignature. */
  #checkCosignatureLines(note: string, text: string): void {
    const lines = text.split('\n');
    if (
      text === '' ||
      !text.endsWith('\n') ||
      !lines.slice(0, -1).every((l) => l.startsWith('\u2014 '))
    ) {
      throw new WitnessUnavailableError(
        `witness ${this.name}: add-checkpoint answered 200 without cosignature lines`,
      );
    }
    if (!this.#witnessKeys) return;
    try {
      parseNote(note + text);
      verifyCosignature(note + text, this.#witnessKeys);
    } catch (error) {
      throw new UntrustedWitnessAnswerError(
        `witness ${this.name}: add-checkpoint's answer: ${(error as Error).message}`,
      );
    }
  }

  #submitError(response: Response, text: string, old: number, checkpoint: Checkpoint): Error {
    const prefix = `witness ${this.name}`;
    const detail = this.#problemDetail(response, text);
    switch (response.status) {
      case 409: {
        const type = response.headers.get('content-type') ?? '';
        const size = /^(0|[1-9][0-9]*)\n$/.exec(text);
        if (!type.startsWith(SIZE_CONTENT_TYPE) || !size) {
          return new WitnessRejectedError(`${prefix}: conflict${detail ? `: ${detail}` : ''}`);
        }
        const held = Number(size[1]);
        return new WitnessConflictError(
          held === old && held === checkpoint.size
            ? `${prefix} holds a different root at size ${held} (a fork)`
            : `${prefix} holds size ${held}, not the ${old} the proof starts at`,
          held,
        );
      }
      case 403:
        return new WitnessRejectedError(
          `${prefix}: no signature on the checkpoint verifies with the log keys the witness trusts`,
        );
      case 404:
        return new WitnessRejectedError(`${prefix} does not witness the origin ${this.origin}`);
      case 422:
        return new WitnessRejectedError(
          `${prefix}: the consistency proof from size ${old} to ${checkpoint.size} does not verify`,
        );
      case 400:
        return new WitnessRejectedError(`${prefix}: bad request${detail ? `: ${detail}` : ''}`);
      default:
        return this.#unexpected(response, detail);
    }
  }

  #readError(response: Response, text: string): Error {
    const detail = this.#problemDetail(response, text);
    if (response.status === 404 && this.#problemCode(response, text) === 'WITNESS_UNKNOWN_ORIGIN') {
      return new WitnessRejectedError(
        `witness ${this.name} does not witness the origin ${this.origin}`,
      );
    }
    return this.#unexpected(response, detail);
  }

  #unexpected(response: Response, detail: string | undefined): Error {
    return new WitnessUnavailableError(
      `witness ${this.name} answered ${response.status}${detail ? `: ${detail}` : ''}`,
    );
  }

  #problem(response: Response, text: string): { code?: unknown; detail?: unknown } | undefined {
    if (!(response.headers.get('content-type') ?? '').startsWith(PROBLEM)) return undefined;
    try {
      return JSON.parse(text) as { code?: unknown; detail?: unknown };
    } catch {
      return undefined;
    }
  }

  #problemCode(response: Response, text: string): string | undefined {
    const code = this.#problem(response, text)?.code;
    return typeof code === 'string' ? code : undefined;
  }

  #problemDetail(response: Response, text: string): string | undefined {
    const detail = this.#problem(response, text)?.detail;
    return typeof detail === 'string' ? detail : undefined;
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    const url = new URL(path, this.#base);
    const signal = AbortSignal.timeout(this.#timeoutMs);
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(url, { ...init, signal });
      } catch (error) {
        const cause = error as Error & { cause?: { code?: string; message?: string } };
        // A pooled keep-alive connection the witness closed just as it was reused fails before
        // any answer: one retry on a fresh connection. Safe for add-checkpoint too: a request
        // that did land makes the retry a 409 the caller already resolves.
        if (attempt === 1 && STALE_CONNECTION.has(cause.cause?.code ?? '')) continue;
        const reason =
          cause.name === 'TimeoutError'
            ? `no answer within ${this.#timeoutMs} ms`
            : (cause.cause?.code ?? cause.cause?.message ?? cause.message);
        throw new WitnessUnavailableError(`witness ${this.name}: ${reason}`, {
          cause: error,
        });
      }
    }
  }

  /**
   * The answer's text, read up to MAX_ANSWER_BYTES: a declared length over it is refused before
   * reading, and a chunked or unsized answer is cut off once it passes it.
   */
  async #text(response: Response): Promise<string> {
    const tooLarge = () =>
      new WitnessUnavailableError(
        `witness ${this.name}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`,
      );
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_ANSWER_BYTES) {
      await response.body?.cancel();
      throw tooLarge();
    }
    try {
      if (!response.body) return '';
      const chunks: Uint8Array[] = [];
      let read = 0;
      for await (const chunk of response.body) {
        read += chunk.byteLength;
        // Leaving the loop cancels the stream (the iterator's return()).
        if (read > MAX_ANSWER_BYTES) throw tooLarge();
        chunks.push(chunk);
      }
      return Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (error instanceof WitnessUnavailableError) throw error;
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs} ms`
          : (error as Error).message;
      throw new WitnessUnavailableError(`witness ${this.name}: reading the answer: ${reason}`, {
        cause: error,
      });
    }
  }
}
