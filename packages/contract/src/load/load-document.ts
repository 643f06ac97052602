import { resolve } from 'node:path';
import { ContractError } from '../errors.js';
import type { DocumentSummary, LoadedDocument } from '../model.js';
import { dereferenceDocument } from './dereference.js';
import { checkOpenApiVersion } from './openapi-version.js';
import { firstLine, parseDocumentText, readDocumentText } from './read-document.js';
import { collectRefSites, rememberRefSites } from './ref-sites.js';

export interface LoadOptions {
  /** Validate against the OpenAPI schema too (BW_CONTRACT_INVALID); off by default. */
  readonly validate?: boolean;
}

/**
 * Loads an OpenAPI 3.0/3.1 document from a JSON or YAML file, or takes one in memory (cloned:
 * swagger-parser resolves references in place), and returns it with every `$ref` resolved.
 * Every failure is a ContractError whose one-line message names the file.
 */
export async function loadOpenApiDocument(
  source: string | { readonly label: string; readonly document: object },
  options: LoadOptions = {},
): Promise<LoadedDocument> {
  const label = typeof source === 'string' ? source : source.label;
  const parsed =
    typeof source === 'string'
      ? parseDocumentText(await readDocumentText(source), label)
      : cloneDocument(source.document, label);
  const openapi = checkOpenApiVersion(parsed, label);
  // Read before dereferencing, which replaces every `$ref` in place.
  const refSites = collectRefSites(parsed);
  const document = await dereferenceDocument(parsed as Record<string, unknown>, {
    label,
    validate: options.validate === true,
    ...(typeof source === 'string' ? { baseFile: resolve(source) } : {}),
  });
  rememberRefSites(document, refSites);
  return { summary: summarize(document, label, openapi), document };
}

/** A private copy of an in-memory document: swagger-parser resolves references in place. */
function cloneDocument(document: object, label: string): unknown {
  try {
    return structuredClone(document);
  } catch (error) {
    throw new ContractError(
      'BW_CONTRACT_NOT_OPENAPI',
      `${label}: not a JSON document (${firstLine((error as Error).message)})`,
    );
  }
}

function summarize(document: Record<string, unknown>, source: string, openapi: string) {
  const info = (document.info ?? {}) as Record<string, unknown>;
  const text = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  return {
    source,
    openapi,
    title: text(info.title),
    version: text(info.version),
  } satisfies DocumentSummary;
}
