import { Command, CommanderError, Option } from 'commander';
import { registerCommands } from './commands/index.js';
import { ChecksFailedError, EXIT } from './exit-codes.js';
import { CLI_VERSION } from './version.js';

export const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');

/**
 * Parses argv, runs one command and returns its exit code. Never throws: a usage problem or an
 * unexpected error becomes a one-line cause on stderr and exit 2, never a stack trace.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('bulwark')
    .description('Production hardening for service fleets: provide the contract, then prove it.')
    .version(CLI_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    // Only the command argv names is loaded (see commands/index.ts).
    await registerCommands(
      program,
      (code) => {
        exitCode = code;
      },
      argv,
    );
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; everything else commander rejects is bad usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bulwark: ${message.split('\n')[0]}\n`);
    return error instanceof ChecksFailedError ? error.exitCode : EXIT.usage;
  }
}
