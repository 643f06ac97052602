export { freePort } from './free-port.js';
export { pgvectorMissing } from './pgvector.js';
export {
  type PrivateNatsOptions,
  type PrivatePostgresOptions,
  type PrivateServer,
  PrivateServerError,
  privateNatsPart,
  privatePostgresPart,
  privateRedisPart,
  startPrivateNats,
  startPrivatePostgres,
  startPrivateRedis,
} from './private-servers.js';
export { createSoftHsmToken, SOFTHSM_MODULE, type SoftHsmToken, softhsm } from './softhsm-token.js';
export { type SpawnedProcess, spawnTs } from './spawn-ts.js';
export { type SystemPart, systemPart } from './system-part.js';
