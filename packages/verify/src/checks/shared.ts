import type { Verifier } from '@bulwark/keys';
import type { SharedServices } from './check.js';
import { HttpProbeClient } from './live/http.js';

export interface SharedServicesOptions {
  /** Per-request deadline for live checks, connect to last byte (`--timeout`). */
  readonly timeoutMs: number;
  readonly attestationsDir: string;
  readonly keyring?: Verifier;
}

/** Opens what every check of one run shares; `close` drops the HTTP connections. */
export function createSharedServices(
  options: SharedServicesOptions,
): SharedServices & { close(): Promise<void> } {
  const http = new HttpProbeClient({ timeoutMs: options.timeoutMs });
  return {
    attestationsDir: options.attestationsDir,
    ...(options.keyring ? { keyring: options.keyring } : {}),
    http,
    close: () => http.close(),
  };
}
