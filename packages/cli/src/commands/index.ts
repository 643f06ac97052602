import type { Command } from 'commander';

export type SetExitCode = (code: number) => void;
type RegisterCommand = (program: Command, setExitCode: SetExitCode) => void;

/**
 * Every command by name, its module loaded only when it is the one asked for: each command's
 * module pulls in its own dependencies (PGlite, pg, pkcs11js, the AWS SDK, OpenTelemetry, ajv),
 * and loading all of them cost `bulwark ledger verify` over a second before it did anything.
 * One line per command keeps additions conflict-free.
 */
const COMMANDS = new Map<string, () => Promise<RegisterCommand>>([
  ['api-keys', async () => (await import('./api-keys.js')).registerApiKeys],
  ['audit', async () => (await import('./audit.js')).registerAudit],
  ['certs', async () => (await import('./certs.js')).registerCerts],
  ['drill', async () => (await import('./drill.js')).registerDrill],
  ['evidence', async () => (await import('./evidence.js')).registerEvidence],
  ['gate', async () => (await import('./gate.js')).registerGate],
  ['keys', async () => (await import('./keys.js')).registerKeys],
  ['ledger', async () => (await import('./ledger.js')).registerLedger],
  ['plan', async () => (await import('./plan.js')).registerPlan],
  ['probe', async () => (await import('./probe.js')).registerProbe],
  ['up', async () => (await import('./up.js')).registerUp],
  ['verify', async () => (await import('./verify.js')).registerVerify],
]);

/**
 * Registers the command `argv` names (its first word), or every command when it names none of
 * them (`--help`, `help <command>`, `--version`, a typo), so help and commander's suggestions
 * still see them all.
 */
export async function registerCommands(
  program: Command,
  setExitCode: SetExitCode,
  argv: readonly string[] = [],
): Promise<void> {
  const named = COMMANDS.get(argv[0] ?? '');
  const loaders = named ? [named] : [...COMMANDS.values()];
  for (const register of await Promise.all(loaders.map((load) => load())))
    register(program, setExitCode);
}
