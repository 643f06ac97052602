import { BulwarkError, parseSecretReference, type SecretStore } from '@bulwark/kit';
import { ConfigRegistryError } from './errors.js';
import { isPlainObject, pointerOf, setOwn } from './schemas-pointer.js';

/** What resolves references: the kit's SecretStore, or anything with its `get`. */
export type SecretSource = Pick<SecretStore, 'get'>;

const REFERENCE_PREFIX = `\${secret:`;

/** One string of the document that names a secret, and the read of it (none if malformed). */
interface SecretSite {
  readonly segments: readonly string[];
  readonly label: string;
  readonly read: Promise<string> | undefined;
}

/**
 * A copy of the document with every `${secret:name}` (and `${secret:name#field}`) string replaced
 * by the secret, read through the kit's secret store (its providers, its cache, and its
 * remembering of values handed out so the log scrubber can redact them). Done at apply time,
 * never before storing or publishing: the registry and the wire only ever carry references.
 *
 * A reference that does not resolve is CONFIG_SECRET_UNRESOLVED naming the path and the secret,
 * never a value; with several, the first in document order is reported. Reads run together.
 */
export async function resolveSecretReferences<T extends Record<string, unknown>>(
  document: T,
  secrets: SecretSource,
): Promise<T> {
  const sites: SecretSite[] = [];
  collect(document, [], sites, secrets);
  const outcomes = await Promise.allSettled(sites.map((site) => site.read ?? malformed()));
  const copy = structuredClone(document);
  for (const [index, outcome] of outcomes.entries()) {
    const site = sites[index]!;
    if (outcome.status === 'rejected') throw unresolved(site, outcome.reason);
    placeAt(copy, site.segments, outcome.value);
  }
  return copy;
}

function collect(value: unknown, path: string[], sites: SecretSite[], secrets: SecretSource): void {
  if (typeof value === 'string') {
    const reference = parseSecretReference(value);
    if (reference !== undefined) {
      const label =
        reference.field === undefined ? reference.name : `${reference.name}#${reference.field}`;
      // Through a promise, so a throw inside get (a closed store) is a rejection like a read's.
      const read = Promise.resolve().then(() => secrets.get(value));
      sites.push({ segments: path, label, read });
    } else if (value.startsWith(REFERENCE_PREFIX)) {
      sites.push({ segments: path, label: 'malformed', read: undefined });
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      collect(item, [...path, String(index)], sites, secrets);
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) collect(item, [...path, key], sites, secrets);
  }
}

class MalformedReference extends Error {}

function malformed(): Promise<never> {
  return Promise.reject(
    new MalformedReference(`is not a \${secret:name} or \${secret:name#field} reference`),
  );
}

function unresolved(site: SecretSite, reason: unknown): ConfigRegistryError {
  const path = pointerOf(site.segments);
  if (reason instanceof MalformedReference) {
    return new ConfigRegistryError(
      'CONFIG_SECRET_UNRESOLVED',
      `${path || '/'}: ${reason.message}, so it cannot be resolved`,
      { path },
    );
  }
  // The kit's secret errors are written to hold no value, so they are kept; any other error,
  // from a caller's own SecretSource, could quote one: only its kind is said.
  const why =
    reason instanceof BulwarkError
      ? reason.message
      : reason instanceof Error
        ? reason.name
        : typeof reason;
  return new ConfigRegistryError(
    'CONFIG_SECRET_UNRESOLVED',
    `${path || '/'}: secret ${site.label} did not resolve: ${why}`,
    { path, ...(reason instanceof BulwarkError ? { cause: reason } : {}) },
  );
}

function placeAt(document: Record<string, unknown>, segments: readonly string[], value: string) {
  let here: unknown = document;
  for (const segment of segments.slice(0, -1)) here = (here as Record<string, unknown>)[segment];
  const last = segments.at(-1)!;
  if (Array.isArray(here)) here[Number(last)] = value;
  else setOwn(here as Record<string, unknown>, last, value);
}
