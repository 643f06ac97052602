import { Type } from '@sinclair/typebox';

/**
 * A secret is named in configuration, never written there: `${secret:openai}`, or with a field
 * of a structured secret, `${secret:db#password}`. The name is resolved through the configured
 * providers (secrets/) when the part that needs it starts.
 *
 * A name is one or more `/`-separated segments, each starting with a letter or digit, 128
 * characters at most. Names become file paths (the directory provider) and URL paths (Vault),
 * so a `.` or `..` segment, an empty segment or a leading `/` is refused here, in the config
 * schema, before any provider sees it.
 */
export const SECRET_REFERENCE =
  /^\$\{secret:(?=[A-Za-z0-9._/-]{1,128}[#}])([A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*)(?:#([A-Za-z0-9._-]{1,64}))?\}$/;

/** A configuration value that must be a secret reference: a literal is a schema error. */
export const SecretReference = Type.String({ pattern: SECRET_REFERENCE.source });

export interface ParsedSecretReference {
  readonly name: string;
  readonly field?: string;
}

/** The name (and field) a reference points at, or undefined when the text is not one. */
export function parseSecretReference(text: string): ParsedSecretReference | undefined {
  const match = SECRET_REFERENCE.exec(text);
  if (match === null) return undefined;
  const [, name, field] = match as unknown as [string, string, string | undefined];
  return field === undefined ? { name } : { name, field };
}

/**
 * What `SecretStore.get` takes: a reference, or the bare `name` / `name#field` inside one.
 * Undefined when it is neither (the caller must not echo the text: it may be a literal secret).
 */
export function parseSecretName(text: string): ParsedSecretReference | undefined {
  if (text.startsWith('${')) return parseSecretReference(text);
  // A bare name is checked with the same pattern, so both spellings accept the same names.
  return text.includes('}') ? undefined : parseSecretReference(`\${secret:${text}}`);
}

/** How a reference is named in errors and logs: the name, with its field. */
export function secretLabel(reference: ParsedSecretReference): string {
  return reference.field === undefined ? reference.name : `${reference.name}#${reference.field}`;
}
