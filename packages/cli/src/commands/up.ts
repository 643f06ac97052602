import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXIT } from '../exit-codes.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { loadStackFile } from '../stack/stack-file.js';
import { defaultLogDir, type LogLine, StackStartError, Supervisor } from '../stack/supervisor.js';
import type { SetExitCode } from './index.js';

interface UpOptions {
  stack: string;
  once: boolean;
  timeout: number;
  logs: boolean;
  probe: boolean;
  format: 'table' | 'json';
}

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('expected a positive number of seconds');
  }
  return seconds;
}

export function registerUp(program: Command, setExitCode: SetExitCode): void {
  program
    .command('up')
    .description(
      'Start the stack on loopback, wait for readiness, verify it with `bulwark probe`, and serve until Ctrl-C',
    )
    .option('--stack <file>', 'stack file listing the services to run', 'bulwark.stack.yaml')
    .option('--once', 'stop the stack after the probe and exit with its verdict', false)
    .option(
      '--timeout <seconds>',
      'how long each service may take to become ready',
      positiveSeconds,
      60,
    )
    .option('--logs', 'stream every service log line to the terminal', false)
    .option('--no-probe', 'skip the probe after startup')
    .addOption(
      new Option('--format <format>', 'probe report format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .action(async (options: UpOptions) => {
      setExitCode(await up(options, createTerminal()));
    });
}

async function up(options: UpOptions, term: Terminal): Promise<number> {
  const stackPath = resolve(options.stack);
  const stack = await loadStackFile(stackPath);
  const { color } = term;
  let stopping = false;
  const supervisor = new Supervisor({
    root: dirname(stackPath),
    logDir: defaultLogDir(stackPath),
    onLine: (line) => showLine(line, options.logs || stopping, term),
  });

  for (const service of stack.services) {
    const proc = supervisor.start(service);
    term.progress(`starting ${service.name}…`);
    try {
      await supervisor.waitReady(proc, options.timeout * 1000, (status) =>
        term.progress(`waiting for ${service.name} on ${proc.url}: ${status}`),
      );
    } catch (error) {
      term.progressDone();
      await supervisor.stopAll(5_000);
      if (error instanceof StackStartError) {
        term.err(`bulwark: ${error.message} (logs in ${defaultLogDir(stackPath)})`);
        return EXIT.usage;
      }
      throw error;
    }
    term.progressDone();
    term.err(`${color.green('ready')}  ${service.name}  ${proc.url}`);
  }

  let verdict: number = EXIT.ok;
  if (options.probe) {
    // The same command a user would run by hand, so `up` proves exactly what `probe` checks.
    const { main } = await import('../main.js');
    const urls = supervisor.services.map((proc) => proc.url);
    verdict = await main(['probe', ...urls, '--format', options.format]);
    term.err(
      verdict === EXIT.ok
        ? color.green('verdict: the stack meets the operational contract')
        : color.red('verdict: the stack does NOT meet the operational contract'),
    );
  }

  if (!options.once) {
    term.err(`serving ${stack.services.length} service(s); press Ctrl-C to stop`);
    await new Promise<void>((resolveWait) => {
      const onSignal = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.once('SIGINT', () => {
          term.err('second Ctrl-C: killing the stack');
          supervisor.killAll();
        });
        resolveWait();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
  }

  stopping = true;
  term.err('stopping the stack (phased shutdown)…');
  const results = await supervisor.stopAll(30_000);
  for (const { name, code } of results) {
    term.err(
      `${code === 0 ? color.green('stopped') : color.red('failed ')}  ${name}  exit ${code}`,
    );
  }
  if (results.some((r) => r.code !== 0)) return EXIT.checksFailed;
  return verdict;
}

/** Shutdown phases are always shown; everything else only with --logs. */
function showLine(line: LogLine, all: boolean, term: Terminal): void {
  const msg = line.record?.msg;
  const isLifecycle = typeof msg === 'string' && /^(shutdown|received SIG)/.test(msg);
  if (!all && !isLifecycle) return;
  const text = msg === undefined ? line.raw : formatRecord(msg, line.record ?? {});
  term.err(`${term.color.dim(line.service.padEnd(10))} ${text}`);
}

function formatRecord(msg: string, record: Record<string, unknown>): string {
  const duration = record.duration_ms === undefined ? '' : ` (${String(record.duration_ms)} ms)`;
  return `${msg}${duration}`;
}
