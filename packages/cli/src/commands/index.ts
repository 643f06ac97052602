import type { Command } from 'commander';

export type SetExitCode = (code: number) => void;
type RegisterCommand = (program: Command, setExitCode: SetExitCode) => void;

interface CommandEntry {
  /** One line for `bulwark --help`; the command's own --help has its full description. */
  readonly summary: string;
  readonly load: () => Promise<RegisterCommand>;
}

/**
 * Every command by name, its module loaded only when it is the one asked for: each command's
 * module pulls in its own dependencies (PGlite, pg, pkcs11js, the AWS SDK, OpenTelemetry, ajv),
 * and loading all of them cost `bulwark --help` two seconds before it printed a line. The
 * summaries here are what the top-level help lists, so it loads no command module at all.
 * One line per command keeps additions conflict-free.
 */
const COMMANDS = new Map<string, CommandEntry>([
  [
    'api-keys',
    {
      summary: 'create, rotate, revoke and list the API keys a service accepts',
      load: async () => (await import('./api-keys.js')).registerApiKeys,
    },
  ],
  [
    'audit',
    {
      summary:
        'least-privilege and operability audit of Dockerfiles, compose files and Kubernetes manifests',
      load: async () => (await import('./audit.js')).registerAudit,
    },
  ],
  [
    'certs',
    {
      summary: 'TLS certificates for development and tests',
      load: async () => (await import('./certs.js')).registerCerts,
    },
  ],
  [
    'config',
    {
      summary: 'explain and validate layered config; publish, roll out, diff and revert it',
      load: async () => (await import('./config.js')).registerConfig,
    },
  ],
  [
    'contract',
    {
      summary: 'OpenAPI snapshots, breaking-change diffs and the check that blocks them',
      load: async () => (await import('./contract.js')).registerContract,
    },
  ],
  [
    'db',
    {
      summary: "status, migrate and roll back each service's database schema",
      load: async () => (await import('./db.js')).registerDb,
    },
  ],
  [
    'drill',
    {
      summary: "run one of the plan's drills and record signed evidence; schedule them",
      load: async () => (await import('./drill.js')).registerDrill,
    },
  ],
  [
    'evidence',
    {
      summary: 'check evidence bundles written by bulwark verify',
      load: async () => (await import('./evidence.js')).registerEvidence,
    },
  ],
  [
    'gate',
    {
      summary: 'promotion gates from signed evidence, and the tool gate',
      load: async () => (await import('./gate.js')).registerGate,
    },
  ],
  [
    'keys',
    {
      summary: 'manage Ed25519 signing keys: file keystore (development) or PKCS#11 HSM',
      load: async () => (await import('./keys.js')).registerKeys,
    },
  ],
  [
    'ledger',
    {
      summary: 'verify, append to, prove and checkpoint a tamper-evident ledger',
      load: async () => (await import('./ledger.js')).registerLedger,
    },
  ],
  [
    'plan',
    {
      summary: 'import a markdown hardening plan, track it against evidence, attest criteria',
      load: async () => (await import('./plan.js')).registerPlan,
    },
  ],
  [
    'probe',
    {
      summary: "check a kit service's operational contract from outside",
      load: async () => (await import('./probe.js')).registerProbe,
    },
  ],
  [
    'release',
    {
      summary: 'gate, sign, approve and verify a release',
      load: async () => (await import('./release.js')).registerRelease,
    },
  ],
  [
    'up',
    {
      summary: 'start the stack on loopback, verify it, serve until Ctrl-C',
      load: async () => (await import('./up.js')).registerUp,
    },
  ],
  [
    'verify',
    {
      summary: "run a hardening plan's criteria against an environment; write signed evidence",
      load: async () => (await import('./verify.js')).registerVerify,
    },
  ],
]);

/**
 * Registers the command `argv` names (its first word, or the word after `help`) from its module.
 * When argv names none (`--help`, `--version`, a typo) every command is registered as a stub
 * with its summary only: enough for the command list and commander's "did you mean".
 */
export async function registerCommands(
  program: Command,
  setExitCode: SetExitCode,
  argv: readonly string[] = [],
): Promise<void> {
  const name = argv[0] === 'help' ? argv[1] : argv[0];
  const named = COMMANDS.get(name ?? '');
  if (named) {
    (await named.load())(program, setExitCode);
    program.commands.find((command) => command.name() === name)?.summary(named.summary);
    return;
  }
  for (const [commandName, { summary }] of COMMANDS) program.command(commandName).summary(summary);
}

/** The names of every command, for tests that load each one. */
export const COMMAND_NAMES: readonly string[] = [...COMMANDS.keys()];
