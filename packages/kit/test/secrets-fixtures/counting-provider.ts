import type { SecretProvider } from '../../src/secrets/secret-provider.js';

/** A real provider with its reads counted: how caching and shared reads are observed. */
export function countingProvider(inner: SecretProvider): SecretProvider & {
  readonly reads: string[];
} {
  const reads: string[] = [];
  return {
    name: inner.name,
    reads,
    read(name, field) {
      reads.push(field === undefined ? name : `${name}#${field}`);
      return inner.read(name, field);
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
}
