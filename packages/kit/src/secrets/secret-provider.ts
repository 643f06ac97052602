/**
 * Where secrets come from. The store asks its providers in order; the first that has the secret
 * answers. `undefined` means "not here, ask the next one"; a throw means "could not tell" and
 * stops the search, so an unreachable Vault never silently falls through to a different value
 * further down the list.
 */
export interface SecretProvider {
  /** Names the provider in errors and logs: `directory /run/secrets`, `vault https://…`. */
  readonly name: string;
  /** The secret's text, or with `field`, that field of the JSON object the secret holds. */
  read(name: string, field?: string): Promise<string | undefined>;
  close?(): Promise<void>;
}
