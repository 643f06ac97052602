import type { ConfigSchemaEntry } from '@bulwark/config';
import { withConfigErrors } from './config-errors.js';

/** A config file checked against its schema: what it sets, and the complete document. */
export interface CheckedDocument {
  readonly file: string;
  readonly schema: string;
  /** The file's own document, as it would be published: only what it sets. */
  readonly document: Record<string, unknown>;
  /** With the schema's defaults filled in: what a service would run. */
  readonly resolved: Record<string, unknown>;
}

/**
 * Reads a YAML or JSON config file and validates it against `entry`, as the registry will: a
 * literal secret, a value failing the schema (naming its JSON pointer) or an unreadable file is
 * a UsageError of one line. Done through resolveConfig with the file as the only layer over the
 * defaults, so the file is read by the same parser a service uses, and no environment variable
 * of this shell changes the verdict.
 */
export async function checkDocumentFile(
  entry: ConfigSchemaEntry,
  file: string,
): Promise<CheckedDocument> {
  const { resolveConfig } = await import('@bulwark/config');
  const resolved = await withConfigErrors(() => resolveConfig({ entry, files: [file], env: {} }));
  const layer = resolved.layers.find((contribution) => contribution.layer === 'file');
  return {
    file,
    schema: entry.label,
    document: structuredClone(layer?.document ?? {}) as Record<string, unknown>,
    resolved: resolved.value,
  };
}
