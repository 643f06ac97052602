/**
 * The API key document and its edits, importable without the rest of the kit (no Fastify, no
 * OpenTelemetry): what `bulwark api-keys` and `bulwark up` need.
 */
export {
  type ApiKeyState,
  type ApiKeySummary,
  addApiKey,
  apiKeyState,
  type IssuedApiKey,
  type NewApiKeyOptions,
  type RotateApiKeyOptions,
  type RotatedApiKey,
  revokeApiKey,
  rotateApiKey,
  summarizeApiKeys,
} from './api-key-admin.js';
export {
  API_KEYS_FORMAT,
  type ApiKeyDocument,
  ApiKeyDocumentSchema,
  type ApiKeyEntry,
  emptyApiKeyDocument,
  parseApiKeyDocument,
  readApiKeyDocument,
  writeApiKeyDocument,
} from './api-key-document.js';
export { API_KEY_PREFIX, apiKeyHash, generateApiKey } from './api-key-text.js';
