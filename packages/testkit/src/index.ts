export { freePort } from './free-port.js';
export { type SpawnedProcess, spawnTs } from './spawn-ts.js';
export { type SystemPart, systemPart } from './system-part.js';
