import type { PackedManifest } from './released-workspaces.js';

/**
 * The repository's own export condition: it names TypeScript sources for the repository's tests
 * and tools, and is never set where the package is installed, so its targets are not shipped.
 */
const SOURCE_CONDITION = '@bulwark/source';

/**
 * The files a package.json promises to whoever installs the package (`main`, `types`, `bin`, and
 * the targets of `exports` and `imports` outside the source condition) that are not among the
 * packed paths. A package packed before it was built ships without dist/ and installs fine, then
 * fails on the first import: this finds it before anything is signed. Subpath patterns (`*`) are
 * not checked: they name no single file.
 */
export function missingEntryPoints(
  manifest: PackedManifest,
  packedPaths: ReadonlySet<string>,
): string[] {
  const promised = new Set<string>();
  for (const field of [manifest.main, manifest.types]) collectTargets(field, promised);
  if (typeof manifest.bin === 'string') collectTargets(manifest.bin, promised);
  else if (isObject(manifest.bin)) {
    for (const target of Object.values(manifest.bin)) collectTargets(target, promised);
  }
  collectTargets(manifest.exports, promised);
  collectTargets(manifest.imports, promised);
  return [...promised].filter((path) => !packedPaths.has(path)).sort();
}

/** Every file target in an exports/imports value: a string, an array of them, or conditions. */
function collectTargets(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (!value.includes('*')) into.add(value.replace(/^\.\//, ''));
  } else if (Array.isArray(value)) {
    for (const item of value) collectTargets(item, into);
  } else if (isObject(value)) {
    for (const [key, target] of Object.entries(value)) {
      if (key !== SOURCE_CONDITION) collectTargets(target, into);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
