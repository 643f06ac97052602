import type { Command } from 'commander';
import { registerAudit } from './audit.js';
import { registerKeys } from './keys.js';
import { registerLedger } from './ledger.js';
import { registerProbe } from './probe.js';
import { registerUp } from './up.js';

export type SetExitCode = (code: number) => void;

/** Every command registers itself here; one line per command keeps additions conflict-free. */
export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  registerAudit(program, setExitCode);
  registerKeys(program, setExitCode);
  registerLedger(program, setExitCode);
  registerProbe(program, setExitCode);
  registerUp(program, setExitCode);
}
