import type { CST } from 'yaml';

/**
 * Bounds on what one YAML document may cost the audit. Deploy files are small and shallow; a file
 * past these limits is hostile or broken, and is reported as one finding instead of exhausting
 * the stack, the heap or the clock.
 */

/**
 * Levels of nested mappings and sequences, counted after aliases are expanded. Kubernetes
 * manifests, even CRDs with deep OpenAPI schemas, stay well under 100. The yaml library composes
 * recursively and overflows the stack somewhere near 800 levels, so the limit also has to sit far
 * enough below that to hold on a smaller stack.
 */
export const MAX_YAML_DEPTH = 256;

/**
 * Nodes that aliases may add to one document. The yaml library's own guard (`maxAliasCount`)
 * works only inside `toJS()`, which the audit does not use (it converts the document itself to
 * keep each key's location), and it limits a count times a fan-out rather than the size. This
 * limit is on the number that matters: every check that walks a value (a `String(args)`, a deep
 * comparison) pays for each node an alias adds. A compose file that merges a 30-key anchor into
 * 100 services adds 3,000; a "billion laughs" document adds billions.
 */
export const MAX_ALIAS_NODES = 100_000;

export type YamlLimitCode = 'BW_YAML_TOO_DEEP' | 'BW_YAML_ALIAS_EXPANSION';

/** A document over one of the limits; `offset` is where in the source it went over. */
export class YamlLimitError extends Error {
  constructor(
    readonly code: YamlLimitCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'YamlLimitError';
  }
}

const count = (n: number) => n.toLocaleString('en-US');

export function tooDeep(offset: number, throughAliases = false): YamlLimitError {
  return new YamlLimitError(
    'BW_YAML_TOO_DEEP',
    `nested too deeply: more levels of mappings and sequences than the audit's limit of ` +
      `${MAX_YAML_DEPTH}${throughAliases ? ' once aliases are expanded' : ''}`,
    offset,
  );
}

export function aliasExpansionTooLarge(offset: number): YamlLimitError {
  return new YamlLimitError(
    'BW_YAML_ALIAS_EXPANSION',
    `YAML alias expansion exceeds the limit: aliases add more than ${count(MAX_ALIAS_NODES)} ` +
      'nodes to this document (an exponential "billion laughs" expansion?)',
    offset,
  );
}

/**
 * The offset of the first collection nested deeper than MAX_YAML_DEPTH in a document's CST, or
 * undefined. The yaml parser builds the CST without recursion; this walk uses an explicit stack
 * too, so that a deep document is measured before anything recursive touches it.
 */
export function firstTooDeep(root: CST.Token): number | undefined {
  const stack: Array<{ token: CST.Token; depth: number }> = [{ token: root, depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { token, depth } = next;
    if (!('items' in token)) continue;
    if (depth > MAX_YAML_DEPTH) return token.offset;
    for (const item of token.items as ReadonlyArray<{ key?: CST.Token; value?: CST.Token }>) {
      if (item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}
