import { spawnSync } from 'node:child_process';

/**
 * A piece of the machine a test needs (a binary, a server). Without BULWARK_REQUIRE_SYSTEM the
 * test skips and names the Debian package to install; with it (CI) a missing part is a failure,
 * so a green CI can never mean "skipped everything".
 */
export interface SystemPart {
  readonly name: string;
  readonly available: boolean;
  /** Why it is missing, with the install hint. Empty when available. */
  readonly reason: string;
}

interface SystemPartSpec {
  name: string;
  /** Debian package (or other install hint) that provides it. */
  install: string;
  /** A command that exits 0 when the part is present. */
  probe: readonly [string, ...string[]];
}

export function systemPart(spec: SystemPartSpec): SystemPart {
  const [cmd, ...args] = spec.probe;
  const result = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  const available = result.status === 0;
  const reason = available ? '' : `${spec.name} is missing: install it with ${spec.install}`;
  if (!available && process.env.BULWARK_REQUIRE_SYSTEM === '1') {
    throw new Error(`BULWARK_REQUIRE_SYSTEM=1 and ${reason}`);
  }
  if (!available) console.warn(`skipping: ${reason}`);
  return { name: spec.name, available, reason };
}
