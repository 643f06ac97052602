export { type LoadOptions, loadOpenApiDocument } from './load-document.js';
export { MAX_DOCUMENT_BYTES } from './read-document.js';
