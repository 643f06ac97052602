import { isPlainObject, pointerOf, setOwn } from './schemas-pointer.js';

/** Where a value came from, lowest precedence first. */
export type ConfigLayer = 'default' | 'file' | 'env' | 'remote';

export interface ValueSource {
  readonly layer: ConfigLayer;
  /** The file's path, the environment variable, `registry v7`, or `schema notifications v1`. */
  readonly origin: string;
}

/** One layer's (partial) document, as it was read, before merging. */
export interface LayerContribution extends ValueSource {
  readonly document: Readonly<Record<string, unknown>>;
}

/**
 * Layers merged in order, later ones winning: objects merge key by key at any depth, anything
 * else (a scalar, an array) replaces what was there whole — an overlay that lists two brokers
 * means those two, not those appended to the base's. `sources` maps each leaf (a JSON pointer
 * to a non-object value) to the layer that set it.
 */
export function mergeLayers(contributions: readonly LayerContribution[]): {
  value: Record<string, unknown>;
  sources: Record<string, ValueSource>;
} {
  const value: Record<string, unknown> = {};
  const sources: Record<string, ValueSource> = {};
  for (const contribution of contributions) {
    const source: ValueSource = { layer: contribution.layer, origin: contribution.origin };
    mergeInto(value, contribution.document, [], (path, leaf) => {
      const pointer = pointerOf(path);
      forgetUnder(sources, pointer);
      if (leaf) sources[pointer] = source;
    });
  }
  return { value, sources };
}

/** `overlay` merged over a copy of `base`, by the same rules. */
export function mergeDocuments(
  base: Readonly<Record<string, unknown>>,
  overlay: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out = structuredClone(base) as Record<string, unknown>;
  mergeInto(out, overlay, [], () => undefined);
  return out;
}

function mergeInto(
  target: Record<string, unknown>,
  overlay: Readonly<Record<string, unknown>>,
  path: readonly string[],
  replaced: (path: readonly string[], leaf: boolean) => void,
): void {
  for (const [key, value] of Object.entries(overlay)) {
    const here = [...path, key];
    if (isPlainObject(value)) {
      const existing = Object.hasOwn(target, key) ? target[key] : undefined;
      if (!isPlainObject(existing)) {
        // A scalar or array replaced by an object: the old leaf is gone.
        if (existing !== undefined) replaced(here, false);
        setOwn(target, key, {});
      }
      mergeInto(target[key] as Record<string, unknown>, value, here, replaced);
    } else {
      setOwn(target, key, structuredClone(value));
      replaced(here, true);
    }
  }
}

/** Drops the sources of `pointer` and everything under it. */
function forgetUnder(sources: Record<string, ValueSource>, pointer: string): void {
  for (const key of Object.keys(sources)) {
    if (key === pointer || key.startsWith(`${pointer}/`)) delete sources[key];
  }
}
