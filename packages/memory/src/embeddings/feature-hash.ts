/**
 * The 32-bit hash behind the local provider's feature hashing: FNV-1a over the UTF-16 code units,
 * then murmur3's finaliser so that nearby inputs ("abc", "abd") land far apart. Written here
 * because it runs once per feature in a hot loop and must be stable forever (a stored vector is
 * only comparable with one made by the same function), which rules out a dependency's changes.
 */
export function featureHash(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
