import { relative } from 'node:path';
import type SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPI } from 'openapi-types';
import { ContractError } from '../errors.js';
import { firstLine } from './read-document.js';

export interface DereferenceOptions {
  /** Names the document in error messages. */
  readonly label: string;
  /** Absolute path of the file: relative external `$ref`s resolve against it. */
  readonly baseFile?: string;
  /** Also validate against the OpenAPI schema and swagger-parser's spec rules. */
  readonly validate: boolean;
}

/**
 * Resolves every `$ref` of a parsed OpenAPI 3.x document with swagger-parser, in place (the
 * caller hands over an object it owns). Circular references stay circular objects: the diff
 * walks them with visited sets. Remote (http) references are not fetched: a contract diff must
 * not depend on the network, so such a `$ref` is reported as unresolvable.
 */
export async function dereferenceDocument(
  document: Record<string, unknown>,
  options: DereferenceOptions,
): Promise<Record<string, unknown>> {
  const original = { openapi: document.openapi, paths: document.paths };
  // swagger-parser checks `openapi` against a list of patch releases that lags the
  // specification, and requires `paths`, which 3.1 made optional. The version was checked
  // already (3.0.x or 3.1.x; patch releases do not change the structure), so it sees the first
  // patch of the same minor, and an empty `paths`; both are put back afterwards.
  document.openapi = String(document.openapi).startsWith('3.1.') ? '3.1.0' : '3.0.3';
  if (document.paths === undefined) document.paths = {};
  // YAML reads `version: 1.0` as a number, which swagger-parser refuses; only validation should.
  const info = document.info as Record<string, unknown> | undefined;
  if (!options.validate && typeof info?.version === 'number') info.version = String(info.version);
  const parserOptions: SwaggerParser.Options = {
    resolve: { external: true, http: false },
    dereference: { circular: true },
    ...(options.validate ? {} : { validate: { schema: false, spec: false } }),
  };
  const api = document as unknown as OpenAPI.Document;
  const parser = await loadSwaggerParser();
  let result: Record<string, unknown>;
  try {
    const parsed = options.validate
      ? await parser.validate(options.baseFile ?? '', api, parserOptions)
      : await parser.dereference(options.baseFile ?? '', api, parserOptions);
    result = parsed as unknown as Record<string, unknown>;
  } catch (error) {
    throw toContractError(error, options);
  }
  result.openapi = original.openapi;
  if (original.paths === undefined) delete result.paths;
  return result;
}

/**
 * swagger-parser (with its JSON Schema validators) is imported on first use, not when the package
 * loads: the CLI loads @bulwark/contract for commands that never read a document (`bulwark verify
 * --help`, `bulwark contract --help`), and importing it costs more than the rest of the package.
 */
async function loadSwaggerParser(): Promise<typeof SwaggerParser> {
  return (await import('@apidevtools/swagger-parser')).default;
}

interface ParserFailure {
  readonly code?: string;
  readonly message?: string;
  readonly targetRef?: string;
  readonly source?: string;
  readonly ioErrorCode?: string;
}

/** Maps swagger-parser's (json-schema-ref-parser's) error codes to one-line ContractErrors. */
function toContractError(error: unknown, options: DereferenceOptions): ContractError {
  const failure = (error ?? {}) as ParserFailure;
  const label = options.label;
  switch (failure.code) {
    case 'EMISSINGPOINTER':
    case 'EINVALIDPOINTER':
      return new ContractError(
        'BW_CONTRACT_BAD_REF',
        `${label}: $ref '${failure.targetRef ?? refInMessage(failure.message)}' cannot be resolved`,
      );
    case 'ERESOLVER':
    case 'EUNMATCHEDRESOLVER':
    case 'EPARSER':
    case 'EUNMATCHEDPARSER':
    case 'ETIMEOUT': {
      const target = referencedFile(failure.source, options.baseFile);
      const cause =
        failure.ioErrorCode === 'ENOENT'
          ? 'no such file'
          : failure.code === 'EUNMATCHEDRESOLVER'
            ? 'remote references are not fetched'
            : firstLine(failure.message ?? failure.code);
      return new ContractError(
        'BW_CONTRACT_BAD_REF',
        `${label}: $ref to '${target}' cannot be resolved (${cause})`,
      );
    }
    default: {
      const message = failure.message ?? String(error);
      // json-schema-ref-parser's words when no resolver may read a reference (http is off).
      const unresolvable = /^Unable to resolve \$ref pointer "([^"]*)"/.exec(message);
      if (unresolvable !== null) {
        const target = unresolvable[1] ?? 'unknown';
        const cause = /^https?:/i.test(target)
          ? 'remote references are not fetched'
          : 'no resolver';
        return new ContractError(
          'BW_CONTRACT_BAD_REF',
          `${label}: $ref to '${target}' cannot be resolved (${cause})`,
        );
      }
      if (options.validate) {
        return new ContractError('BW_CONTRACT_INVALID', `${label}: ${validationSummary(message)}`);
      }
      return new ContractError('BW_CONTRACT_NOT_OPENAPI', `${label}: ${firstLine(message)}`);
    }
  }
}

function refInMessage(message: string | undefined): string {
  return /"([^"]+)"/.exec(message ?? '')?.[1] ?? 'unknown';
}

function referencedFile(source: string | undefined, baseFile: string | undefined): string {
  if (source === undefined) return 'unknown';
  if (baseFile === undefined || /^[a-z]+:\/\//i.test(source)) return source;
  return relative(`${baseFile}/..`, source) || source;
}

/**
 * swagger-parser lists every schema violation, one per line, after a heading; the one-line
 * message keeps the first and counts the rest.
 */
function validationSummary(message: string): string {
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (lines[0]?.startsWith('Swagger schema validation failed') && lines.length > 1) {
    const more = lines.length - 2;
    return `invalid OpenAPI: ${lines[1]}${more > 0 ? ` (and ${more} more)` : ''}`;
  }
  return `invalid OpenAPI: ${(lines[0] ?? 'validation failed').replace(/^Validation failed\.\s*/, '')}`;
}
