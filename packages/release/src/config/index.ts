export { loadReleaseConfig, RELEASE_CONFIG_FILE } from './load.js';
export { type ReleaseConfig, ReleaseConfigSchema } from './schema.js';
