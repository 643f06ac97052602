import {
  createService,
  type DependencyProbe,
  type Service,
  type ServiceOptions,
} from '@bulwark/kit';
import type { CosigningWitness } from './cosigning-witness.js';
import { registerWitnessRoutes } from './routes.js';

export const WITNESS_SERVICE_VERSION = '0.1.0';

export interface WitnessServiceOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  readonly witness: CosigningWitness;
  /** Readiness of where checkpoints are kept (a directory or a database). */
  readonly storeProbe: DependencyProbe;
}

/** The witness service: the kit's operational contract plus add-checkpoint and the read routes. */
export function buildWitnessService(options: WitnessServiceOptions): Service {
  const { witness, storeProbe, ...serviceOptions } = options;
  const service = createService({
    name: 'witness',
    version: WITNESS_SERVICE_VERSION,
    ...serviceOptions,
  });
  service.addReadinessProbe(storeProbe);
  registerWitnessRoutes(service, witness);
  return service;
}
