import { ContractError } from '../errors.js';

/** The versions the diff understands: 3.0.x (`nullable`) and 3.1.x (JSON Schema 2020-12). */
const SUPPORTED_VERSION = /^3\.[01]\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const SUPPORTED_TEXT = 'OpenAPI 3.0.x and 3.1.x are supported';

/**
 * Checks that a parsed value is an OpenAPI 3.0/3.1 document and returns its `openapi` version.
 * Swagger 2.0 and other versions are refused by name rather than diffed wrongly.
 */
export function checkOpenApiVersion(value: unknown, label: string): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ContractError(
      'BW_CONTRACT_NOT_OPENAPI',
      `${label}: not an OpenAPI document (the top level is not a mapping)`,
    );
  }
  const record = value as Record<string, unknown>;
  if (record.swagger !== undefined && record.openapi === undefined) {
    throw new ContractError(
      'BW_CONTRACT_UNSUPPORTED_VERSION',
      `${label}: Swagger ${String(record.swagger)} is not supported (${SUPPORTED_TEXT}; convert it first)`,
    );
  }
  if (record.openapi === undefined) {
    throw new ContractError(
      'BW_CONTRACT_NOT_OPENAPI',
      `${label}: not an OpenAPI document (no \`openapi\` field)`,
    );
  }
  const version = String(record.openapi);
  if (typeof record.openapi !== 'string' || !SUPPORTED_VERSION.test(version)) {
    throw new ContractError(
      'BW_CONTRACT_UNSUPPORTED_VERSION',
      `${label}: OpenAPI ${version} is not supported (${SUPPORTED_TEXT})`,
    );
  }
  return version;
}
