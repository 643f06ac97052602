import { type Hash, MAX_PROOF_LINES } from '@bulwark/ledger';
import { MalformedRequestError } from './errors.js';

/** A C2SP tlog-witness add-checkpoint request body, parsed. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Hash[];
  /** The signed checkpoint note, verbatim. */
  readonly note: string;
}

const OLD_LINE = /^old (0|[1-9][0-9]*)$/;

/**
 * Parses `old <size>\n`, zero or more base64 hash lines, an empty line, then the checkpoint.
 * Line by line, because the note itself holds a blank line (between body and signatures).
 */
export function parseAddCheckpointRequest(text: string): AddCheckpointRequest {
  let at = text.indexOf('\n');
  const old = at < 0 ? null : OLD_LINE.exec(text.slice(0, at));
  if (!old) throw new MalformedRequestError('the request starts with an "old <size>" line');
  const oldSize = Number(old[1]);
  if (!Number.isSafeInteger(oldSize)) throw new MalformedRequestError('the old size is too large');
  const proof: Hash[] = [];
  for (;;) {
    const start = at + 1;
    at = text.indexOf('\n', start);
    if (at < 0) throw new MalformedRequestError('the proof lines end with an empty line');
    const line = text.slice(start, at);
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) {
      throw new MalformedRequestError(`a consistency proof has at most ${MAX_PROOF_LINES} lines`);
    }
    const hash = Buffer.from(line, 'base64');
    if (hash.length !== 32 || hash.toString('base64') !== line) {
      throw new MalformedRequestError(
        `proof line ${proof.length + 1} is not a base64 SHA-256 hash`,
      );
    }
    proof.push(hash);
  }
  const note = text.slice(at + 1);
  if (note === '') throw new MalformedRequestError('the request carries no checkpoint');
  return { oldSize, proof, note };
}
