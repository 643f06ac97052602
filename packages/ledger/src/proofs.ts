import { OutOfRangeError } from './errors.js';
import { type Hash, toHex } from './hash.js';
import {
  CompactRange,
  consistencyPath,
  foldSubtrees,
  inclusionPath,
  type LeafRange,
  rangeSubtrees,
  type SubtreeKey,
} from './merkle.js';
import type { SqlQueryable } from './store/driver.js';
import { readSubtrees } from './store/tables.js';
import { type SubtreeSource, storeSource } from './subtree-cache.js';

export interface InclusionProof {
  /** 1-based seq; the RFC 6962 leaf index is seq − 1. */
  readonly seq: number;
  readonly treeSize: number;
  readonly leafHash: Hash;
  readonly proof: Hash[];
  readonly root: Hash;
}

export interface ConsistencyProof {
  readonly size1: number;
  readonly size2: number;
  readonly proof: Hash[];
  readonly root1: Hash;
  readonly root2: Hash;
}

/**
 * Resolves many leaf ranges to their MTHs with one query: every range decomposes into at most
 * log n stored complete subtrees.
 */
async function hashRanges(
  source: SubtreeSource,
  groups: readonly (readonly LeafRange[])[],
): Promise<Hash[][]> {
  const plan = groups.map((ranges) => ranges.map(rangeSubtrees));
  const keys: SubtreeKey[] = plan.flat(2);
  const hashes = await source(keys);
  let at = 0;
  return plan.map((ranges) =>
    ranges.map((subtrees) => {
      const slice = hashes.slice(at, at + subtrees.length);
      at += subtrees.length;
      return foldSubtrees(slice);
    }),
  );
}

const whole = (size: number): LeafRange[] => (size === 0 ? [] : [{ start: 0, end: size }]);

/** `from` is the store itself or a SubtreeSource (e.g. a SubtreeCache's). */
const sourceOf = (from: SqlQueryable | SubtreeSource): SubtreeSource =>
  typeof from === 'function' ? from : storeSource(from);

export async function proveInclusion(
  from: SqlQueryable | SubtreeSource,
  seq: number,
  treeSize: number,
): Promise<InclusionProof> {
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(treeSize) || seq < 1 || seq > treeSize) {
    throw new OutOfRangeError(`seq ${seq} is not in a tree of size ${treeSize}`);
  }
  const [path = [], leaf = [], root = []] = await hashRanges(sourceOf(from), [
    inclusionPath(seq - 1, treeSize),
    [{ start: seq - 1, end: seq }],
    whole(treeSize),
  ]);
  return { seq, treeSize, leafHash: leaf[0] as Hash, proof: path, root: root[0] as Hash };
}

export async function proveConsistency(
  from: SqlQueryable | SubtreeSource,
  size1: number,
  size2: number,
): Promise<ConsistencyProof> {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) {
    throw new OutOfRangeError(`no consistency proof from size ${size1} to size ${size2}`);
  }
  const [path = [], root1 = [], root2 = []] = await hashRanges(sourceOf(from), [
    consistencyPath(size1, size2),
    whole(size1),
    whole(size2),
  ]);
  return { size1, size2, proof: path, root1: foldSubtrees(root1), root2: foldSubtrees(root2) };
}

/** The stored frontier of a tree of `size`: the state to continue a verification from. */
export async function frontierAt(q: SqlQueryable, size: number): Promise<CompactRange> {
  const hashes = await readSubtrees(q, CompactRange.keysFor(size));
  return new CompactRange(size, hashes);
}

/** JSON-friendly forms, hashes in hex. */
export const inclusionProofJson = (p: InclusionProof) => ({
  seq: p.seq,
  leafIndex: p.seq - 1,
  treeSize: p.treeSize,
  leafHash: toHex(p.leafHash),
  proof: p.proof.map(toHex),
  root: toHex(p.root),
});

export const consistencyProofJson = (p: ConsistencyProof) => ({
  size1: p.size1,
  size2: p.size2,
  proof: p.proof.map(toHex),
  root1: toHex(p.root1),
  root2: toHex(p.root2),
});
