import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, registerCommands } from '../src/commands/index.js';
import { main } from '../src/main.js';

/**
 * `bulwark --help` lists commands from the summary table in commands/index.ts without loading a
 * single command module (that kept it under the 0.3 s target, see bench:cli). These tests keep
 * the table honest: every name in it has a module that registers a command of that name, and
 * `help <command>` shows the command's own options, not the stub.
 */
describe('the top-level help', () => {
  it('lists every command with its one-line summary', async () => {
    const program = new Command('bulwark');
    await registerCommands(program, () => undefined, ['--help']);
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const command of program.commands) {
      expect(command.summary().length).toBeGreaterThan(10);
      expect(command.summary()).not.toContain('\n');
    }
  });

  it('names commands whose modules register exactly that command', async () => {
    for (const name of COMMAND_NAMES) {
      const program = new Command('bulwark');
      await registerCommands(program, () => undefined, [name]);
      const registered = program.commands.map((c) => c.name());
      expect(registered, name).toEqual([name]);
      // The module's command carries options or subcommands: it is not the summary stub.
      const [command] = program.commands;
      expect(command && command.options.length + command.commands.length, name).toBeGreaterThan(0);
    }
  }, 120_000);

  it('answers `help <command>` with the command itself, and an unknown command with exit 2', async () => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await main(['help', 'release'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(written.join('')).toMatch(/check[\s\S]*sign[\s\S]*approve[\s\S]*verify/);
    const stderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['relase'])).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
  });
});
