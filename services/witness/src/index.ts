export {
  type AddCheckpointRequest,
  parseAddCheckpointRequest,
} from './add-checkpoint-request.js';
export { buildWitnessService, WITNESS_SERVICE_VERSION, type WitnessServiceOptions } from './app.js';
export {
  type WitnessServiceConfig,
  WitnessServiceConfigSchema,
  witnessConfigFromEnv,
} from './config.js';
export {
  type Cosigned,
  CosigningWitness,
  type CosigningWitnessOptions,
} from './cosigning-witness.js';
export {
  InconsistentProofError,
  LogSignatureError,
  MalformedRequestError,
  NoCheckpointError,
  OldSizeConflictError,
  UnknownOriginError,
} from './errors.js';
export { type LogKeys, logKeysOf } from './log-keys.js';
export { directoryNameOf, openWitnessService } from './open.js';
