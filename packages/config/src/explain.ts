import { ConfigRegistryError } from './errors.js';
import type { ResolvedConfig } from './layers.js';
import type { ConfigLayer, ValueSource } from './layers-merge.js';
import { keyToPointer, pointerToKey, valueAt } from './schemas-pointer.js';

/** What one lower layer said about a key that a higher one overrode. */
export interface OverriddenValue extends ValueSource {
  readonly value: unknown;
}

/** Where a key's value came from: `bulwark config explain KEY`. */
export interface KeyExplanation {
  /** `janitor.enabled` */
  readonly key: string;
  /** `/janitor/enabled` */
  readonly pointer: string;
  readonly value: unknown;
  readonly layer: ConfigLayer;
  readonly origin: string;
  /** The lower layers that set the key too, highest first: what the winner overrode. */
  readonly overridden: readonly OverriddenValue[];
}

/**
 * Explains one key, given as `janitor.enabled` or `/janitor/enabled`: its value, the layer and
 * origin that won, and what each lower layer said. A section (`janitor`) or a key no layer sets
 * is CONFIG_NOT_FOUND listing the keys there are.
 */
export function explainKey(resolved: ResolvedConfig, key: string): KeyExplanation {
  const pointer = keyToPointer(key);
  const source = resolved.sources[pointer];
  if (source === undefined) throw notALeaf(resolved, key, pointer);
  const winner = lastIndexSetting(resolved, pointer);
  const overridden: OverriddenValue[] = [];
  for (let index = winner - 1; index >= 0; index--) {
    const layer = resolved.layers[index]!;
    const found = valueAt(layer.document, pointer);
    if (found.found)
      overridden.push({ layer: layer.layer, origin: layer.origin, value: found.value });
  }
  return {
    key: pointerToKey(pointer),
    pointer,
    value: valueAt(resolved.value, pointer).value,
    layer: source.layer,
    origin: source.origin,
    overridden,
  };
}

/** Every key of the resolved config, explained, in pointer order. */
export function explainAll(resolved: ResolvedConfig): KeyExplanation[] {
  return Object.keys(resolved.sources)
    .sort()
    .map((pointer) => explainKey(resolved, pointer));
}

/**
 * One line for a terminal:
 * `janitor.enabled = false (env NOTIFICATIONS_JANITOR_ENABLED; overrides file base.yaml: true, default: true)`.
 */
export function formatExplanation(explanation: KeyExplanation): string {
  const lower = explanation.overridden.map(
    (item) =>
      `${item.layer === 'default' ? 'default' : `${item.layer} ${item.origin}`}: ${JSON.stringify(item.value)}`,
  );
  const winner =
    explanation.layer === 'default' ? 'default' : `${explanation.layer} ${explanation.origin}`;
  const overrides = lower.length === 0 ? '' : `; overrides ${lower.join(', ')}`;
  return `${explanation.key} = ${JSON.stringify(explanation.value)} (${winner}${overrides})`;
}

/** The highest layer with a value at the pointer: the one `sources` names. */
function lastIndexSetting(resolved: ResolvedConfig, pointer: string): number {
  for (let index = resolved.layers.length - 1; index >= 0; index--) {
    if (valueAt(resolved.layers[index]!.document, pointer).found) return index;
  }
  return 0;
}

function notALeaf(resolved: ResolvedConfig, key: string, pointer: string): ConfigRegistryError {
  const all = Object.keys(resolved.sources).sort();
  const under = all.filter((leaf) => leaf.startsWith(`${pointer}/`));
  const shown = JSON.stringify(key.slice(0, 128));
  if (under.length > 0) {
    return new ConfigRegistryError(
      'CONFIG_NOT_FOUND',
      `${shown} is a section of ${resolved.entry.label}; its keys: ${under.map(pointerToKey).join(', ')}`,
    );
  }
  return new ConfigRegistryError(
    'CONFIG_NOT_FOUND',
    `no layer sets ${shown} in ${resolved.entry.label}; its keys: ${all.map(pointerToKey).join(', ')}`,
  );
}
