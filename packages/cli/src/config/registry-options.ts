import { durationFlag } from '../api-keys/duration.js';
import { UsageError } from '../exit-codes.js';
import { RegistryClient, type RolloutRequest, registryUrl } from './registry-client.js';
import { parseStagesFlag } from './stage-plan-flag.js';

/** The flags every subcommand that talks to the registry takes. */
export interface RegistryFlags {
  registry?: string;
  apiKeyFile?: string;
  format: 'text' | 'json';
}

/** The flags that shape a rollout (publish --rollout, revert). */
export interface RolloutFlags {
  stages?: string;
  bake?: string;
  ackTimeout?: string;
  wait?: boolean;
}

/** The client the flags point at; a bad URL or key file is a usage error before any request. */
export function registryClient(flags: RegistryFlags): RegistryClient {
  return new RegistryClient(registryUrl(flags.registry), { apiKeyFile: flags.apiKeyFile });
}

/** A version number, 1 or more (0 too where `zero` says so: "before the first version"). */
export function versionFlag(flag: string, text: string, zero = false): number {
  const value = Number(text);
  if (!/^\d{1,10}$/.test(text) || !Number.isSafeInteger(value) || value < (zero ? 0 : 1)) {
    throw new UsageError(
      `${flag} takes a version number, ${zero ? '0' : '1'} or more, not ${JSON.stringify(text.slice(0, 32))}`,
    );
  }
  return value;
}

/** The rollout settings the flags give; what they leave out, the registry's defaults decide. */
export function rolloutSettings(flags: RolloutFlags): Omit<RolloutRequest, 'version'> {
  return {
    ...(flags.stages === undefined ? {} : { stages: parseStagesFlag(flags.stages) }),
    ...(flags.bake === undefined ? {} : { bakeMs: durationFlag('--bake', flags.bake) }),
    ...(flags.ackTimeout === undefined
      ? {}
      : {
          ackTimeoutMs: positive('--ack-timeout', durationFlag('--ack-timeout', flags.ackTimeout)),
        }),
  };
}

function positive(flag: string, ms: number): number {
  if (ms === 0) throw new UsageError(`${flag} must be longer than 0s`);
  return ms;
}
