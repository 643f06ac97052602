import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  consistencyPath,
  EMPTY_ROOT,
  inclusionPath,
  leafHash,
  nodeHash,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js';
import { foldSubtrees, type LeafRange, rangeSubtrees } from '../src/merkle.js';
import vectors from './fixtures/rfc6962-vectors.json' with { type: 'json' };

const hex = (h: string) => Buffer.from(h, 'hex');
const leaves = vectors.leaves.map((l) => leafHash(hex(l)));
const roots = vectors.roots.map(hex);

/** Reference MTH straight from RFC 6962 §2.1, recursive, for cross-checking. */
function mth(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  if (hashes.length === 1) return hashes[0] as Uint8Array;
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

/** Proof hashes from the ranges, computed in memory (the store does the same from its nodes). */
const hashRanges = (all: Uint8Array[], ranges: LeafRange[]) =>
  ranges.map((r) =>
    foldSubtrees(
      rangeSubtrees(r).map((k) =>
        mth(all.slice(k.index * 2 ** k.level, (k.index + 1) * 2 ** k.level)),
      ),
    ),
  );

const flip = (h: Uint8Array, byte = 0) => {
  const copy = Buffer.from(h);
  copy[byte] = (copy[byte] as number) ^ 0x01;
  return copy;
};

describe('RFC 6962 test vectors (transparency-dev/merkle)', () => {
  it('computes the published roots for every prefix of the 8 leaves', () => {
    for (let size = 1; size <= 8; size++) {
      expect(Buffer.from(rootOfLeaves(leaves.slice(0, size))).toString('hex')).toBe(
        vectors.roots[size - 1],
      );
    }
    expect(Buffer.from(rootOfLeaves([])).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('generates exactly the published inclusion proofs, and they verify', () => {
    for (const v of vectors.inclusion) {
      const proof = hashRanges(leaves, inclusionPath(v.leaf - 1, v.size));
      expect(proof.map((h) => Buffer.from(h).toString('hex'))).toEqual(v.proof);
      expect(
        verifyInclusion(
          v.leaf - 1,
          v.size,
          leaves[v.leaf - 1] as Uint8Array,
          v.proof.map(hex),
          roots[v.size - 1] as Uint8Array,
        ),
      ).toBe(true);
    }
  });

  it('generates exactly the published consistency proofs, and they verify', () => {
    for (const v of vectors.consistency) {
      const proof = hashRanges(leaves, consistencyPath(v.size1, v.size2));
      expect(proof.map((h) => Buffer.from(h).toString('hex'))).toEqual(v.proof);
      expect(
        verifyConsistency(
          v.size1,
          v.size2,
          v.proof.map(hex),
          roots[v.size1 - 1] as Uint8Array,
          roots[v.size2 - 1] as Uint8Array,
        ),
      ).toBe(true);
    }
  });

  it('rejects the published proofs after any single-bit change, a wrong index or a wrong size', () => {
    for (const v of vectors.inclusion.filter((x) => x.proof.length > 0)) {
      const proof = v.proof.map(hex);
      const leaf = leaves[v.leaf - 1] as Uint8Array;
      const root = roots[v.size - 1] as Uint8Array;
      for (let i = 0; i < proof.length; i++) {
        const bad = proof.map((p, j) => (j === i ? flip(p) : p));
        expect(verifyInclusion(v.leaf - 1, v.size, leaf, bad, root)).toBe(false);
      }
      expect(verifyInclusion(v.leaf, v.size, leaf, proof, root)).toBe(false);
      expect(verifyInclusion(v.leaf - 1, v.size * 2, leaf, proof, root)).toBe(false);
      expect(verifyInclusion(v.leaf - 1, v.size, leaf, proof.slice(1), root)).toBe(false);
      expect(verifyInclusion(v.leaf - 1, v.size, leaf, [...proof, root], root)).toBe(false);
    }
    for (const v of vectors.consistency.filter((x) => x.proof.length > 0)) {
      const proof = v.proof.map(hex);
      const r1 = roots[v.size1 - 1] as Uint8Array;
      const r2 = roots[v.size2 - 1] as Uint8Array;
      for (let i = 0; i < proof.length; i++) {
        expect(
          verifyConsistency(
            v.size1,
            v.size2,
            proof.map((p, j) => (j === i ? flip(p) : p)),
            r1,
            r2,
          ),
        ).toBe(false);
      }
      expect(verifyConsistency(v.size1, v.size2, proof, r2, r1)).toBe(false);
      expect(verifyConsistency(v.size1, v.size2, [], r1, r2)).toBe(false);
      expect(verifyConsistency(v.size1, v.size2 * 2, proof, r1, r2)).toBe(false);
    }
  });
});

describe('proofs over random trees', () => {
  const all = Array.from({ length: 300 }, () => leafHash(randomBytes(16)));

  it('the compact range yields the RFC root and closes exactly the aligned subtrees', () => {
    const range = new CompactRange();
    for (let i = 0; i < all.length; i++) {
      const closed = range.append(all[i] as Uint8Array);
      // Leaf i closes one subtree per trailing one bit of i.
      let trailing = 0;
      for (let s = i; s % 2 === 1; s = Math.floor(s / 2)) trailing += 1;
      expect(closed).toHaveLength(trailing);
      if (i % 37 === 0)
        expect(Buffer.from(range.root())).toEqual(Buffer.from(mth(all.slice(0, i + 1))));
    }
  });

  it('inclusion and consistency proofs verify for random sizes and fail with one flipped byte', () => {
    for (let trial = 0; trial < 200; trial++) {
      const size = 1 + Math.floor(Math.random() * all.length);
      const index = Math.floor(Math.random() * size);
      const root = mth(all.slice(0, size));
      const proof = hashRanges(all, inclusionPath(index, size));
      expect(verifyInclusion(index, size, all[index] as Uint8Array, proof, root)).toBe(true);
      if (proof.length > 0) {
        const i = Math.floor(Math.random() * proof.length);
        const tampered = proof.map((p, j) =>
          j === i ? flip(p, Math.floor(Math.random() * 32)) : p,
        );
        expect(verifyInclusion(index, size, all[index] as Uint8Array, tampered, root)).toBe(false);
      }
      expect(verifyInclusion(index, size, flip(all[index] as Uint8Array), proof, root)).toBe(false);

      const size1 = 1 + Math.floor(Math.random() * size);
      const root1 = mth(all.slice(0, size1));
      const cproof = hashRanges(all, consistencyPath(size1, size));
      expect(verifyConsistency(size1, size, cproof, root1, root)).toBe(true);
      if (cproof.length > 0) {
        const i = Math.floor(Math.random() * cproof.length);
        expect(
          verifyConsistency(
            size1,
            size,
            cproof.map((p, j) => (j === i ? flip(p, 31) : p)),
            root1,
            root,
          ),
        ).toBe(false);
        expect(verifyConsistency(size1, size, cproof, flip(root1), root)).toBe(false);
      }
    }
  });
});
