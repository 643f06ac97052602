/**
 * Constants of the C2SP tlog-witness protocol, shared by the client (HttpWitness) and the
 * witness service, so that the two ends cannot disagree.
 */

/** "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;

/** The content type of a 409 answer, whose body is the tree size the witness holds. */
export const SIZE_CONTENT_TYPE = 'text/x.tlog.size';
