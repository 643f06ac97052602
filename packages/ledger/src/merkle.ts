/**
 * The RFC 6962 / RFC 9162 Merkle tree: hashing, proof shapes and proof verification.
 * Written here because no maintained npm package implements RFC 9162's verification algorithms
 * over caller-supplied subtree hashes; the shapes follow RFC 9162 §2.1 line by line and are
 * cross-checked against the published test vectors (test/fixtures/rfc6962-vectors.json).
 *
 * Sizes and indices are JavaScript numbers (exact to 2^53) and use arithmetic, not bit
 * operators, which would truncate to 32 bits.
 */
import { HASH_BYTES, type Hash, hashesEqual, sha256Of } from './hash.js';

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Hash = sha256Of(new Uint8Array(0));

// Hashing is synchronous, so one scratch buffer per shape serves every call without allocating.
const leafInput = Buffer.alloc(1 + HASH_BYTES, 0x00);
const nodeInput = Buffer.alloc(1 + 2 * HASH_BYTES, 0x01);

/** SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Hash {
  if (data.length !== HASH_BYTES) return sha256Of(Buffer.concat([leafInput.subarray(0, 1), data]));
  leafInput.set(data, 1);
  return sha256Of(leafInput);
}

/** leafHash of the 32 bytes at `data[start, start + 32)` (the caller has checked they are there). */
export function leafHashOfBytes(data: Uint8Array, start: number): Hash {
  leafInput.set(data.subarray(start, start + HASH_BYTES), 1);
  return sha256Of(leafInput);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) {
    return sha256Of(Buffer.concat([nodeInput.subarray(0, 1), left, right]));
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_BYTES);
  return sha256Of(nodeInput);
}

/** A complete, aligned subtree: leaves [index·2^level, (index+1)·2^level). */
export interface SubtreeKey {
  readonly level: number;
  readonly index: number;
}

/** A leaf range [start, end) whose MTH a proof needs. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]): the ranges whose hashes form an inclusion proof. */
export function inclusionPath(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`);
  }
  const path: LeafRange[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    if (hi - lo === 1) return;
    const k = splitPoint(hi - lo);
    if (m < k) {
      walk(m, lo, lo + k);
      path.push({ start: lo + k, end: hi });
    } else {
      walk(m - k, lo + k, hi);
      path.push({ start: lo, end: lo + k });
    }
  };
  walk(index, 0, size);
  return path;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) via SUBPROOF: the ranges of a consistency proof. */
export function consistencyPath(size1: number, size2: number): LeafRange[] {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) {
    throw new RangeError(`no consistency proof from size ${size1} to size ${size2}`);
  }
  if (size1 === 0 || size1 === size2) return [];
  const path: LeafRange[] = [];
  const sub = (m: number, lo: number, hi: number, complete: boolean): void => {
    const n = hi - lo;
    if (m === n) {
      if (!complete) path.push({ start: lo, end: hi });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, lo, lo + k, complete);
      path.push({ start: lo + k, end: hi });
    } else {
      sub(m - k, lo + k, hi, false);
      path.push({ start: lo, end: lo + k });
    }
  };
  sub(size1, 0, size2, true);
  return path;
}

/**
 * The complete aligned subtrees that make up [start, end), largest first. For every range a
 * proof asks for, start is aligned to a power of two at least end − start, so folding these
 * from the right yields the range's MTH.
 */
export function rangeSubtrees(range: LeafRange): SubtreeKey[] {
  const keys: SubtreeKey[] = [];
  let at = range.start;
  while (at < range.end) {
    let size = 1;
    let level = 0;
    while (at % (size * 2) === 0 && at + size * 2 <= range.end) {
      size *= 2;
      level += 1;
    }
    keys.push({ level, index: at / size });
    at += size;
  }
  return keys;
}

/** Folds subtree hashes (largest first) into the MTH of the range they cover. */
export function foldSubtrees(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1] as Hash;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Hash, acc);
  return acc;
}

/** RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Hash,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return false;
  if (leaf.length !== HASH_BYTES || root.length !== HASH_BYTES) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== HASH_BYTES || sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(r, root);
}

/** RFC 9162 §2.1.4.2: is the tree (size2, root2) an append-only extension of (size1, root1)? */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2)
    return false;
  if (root1.length !== HASH_BYTES || root2.length !== HASH_BYTES) return false;
  if (size1 === size2) return proof.length === 0 && hashesEqual(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== HASH_BYTES)) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && hashesEqual(fr, root1) && hashesEqual(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** MTH computed directly from leaf hashes (tests and small trees only: O(n)). */
export function rootOfLeaves(leaves: readonly Hash[]): Hash {
  const range = new CompactRange();
  for (const leaf of leaves) range.append(leaf);
  return range.root();
}

/**
 * The right frontier of a tree (one hash per set bit of its size, largest subtree first):
 * enough to append the next leaf and to compute the root, in O(log n) memory.
 */
export class CompactRange {
  #size: number;
  readonly #frontier: Hash[];

  constructor(size = 0, frontier: readonly Hash[] = []) {
    if (popCount(size) !== frontier.length) {
      throw new RangeError(
        `a frontier for size ${size} has ${popCount(size)} hashes, not ${frontier.length}`,
      );
    }
    this.#size = size;
    this.#frontier = [...frontier];
  }

  get size(): number {
    return this.#size;
  }

  get frontier(): readonly Hash[] {
    return this.#frontier;
  }

  /** Adds a leaf hash; returns the internal nodes it completes, level 1 upward. */
  append(leaf: Hash): Hash[] {
    const completed: Hash[] = [];
    let acc = leaf;
    let s = this.#size;
    while (isOdd(s)) {
      acc = nodeHash(this.#frontier.pop() as Hash, acc);
      completed.push(acc);
      s = half(s);
    }
    this.#frontier.push(acc);
    this.#size += 1;
    return completed;
  }

  root(): Hash {
    return foldSubtrees(this.#frontier);
  }

  /** The subtrees whose hashes form the frontier of a tree of `size`. */
  static keysFor(size: number): SubtreeKey[] {
    return rangeSubtrees({ start: 0, end: size });
  }
}

function popCount(n: number): number {
  let count = 0;
  let s = n;
  while (s > 0) {
    if (isOdd(s)) count += 1;
    s = half(s);
  }
  return count;
}
