import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { createTerminal } from '../output/terminal.js';
import { exitCodeOf } from '../probe/report.js';
import { probeTargets } from '../probe/run.js';
import { printProbeReport } from '../probe/table-report.js';
import type { SetExitCode } from './index.js';

interface ProbeFlags {
  samples: number;
  p95Ms: number;
  timeoutMs: number;
  worker: boolean;
  format: 'table' | 'json';
}

export function registerProbe(program: Command, setExitCode: SetExitCode): void {
  program
    .command('probe')
    .description(
      "Check a kit service's operational contract from outside: /live, /startup, /ready and " +
        '/health status and p95 latency, /metrics in Prometheus text format with the contract ' +
        'families, and traceparent propagation',
    )
    .argument('<url...>', 'base URL of each service, e.g. http://127.0.0.1:8080')
    .addOption(
      new Option('--samples <n>', 'requests per probe endpoint')
        .argParser(integerIn(1, 10_000))
        .default(20),
    )
    .addOption(
      new Option('--p95-ms <ms>', 'p95 latency limit per probe endpoint')
        .argParser(numberIn(0.001, 600_000))
        .default(200),
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'per-request deadline, connect to last byte')
        .argParser(integerIn(1, 600_000))
        .default(2000),
    )
    .option(
      '--worker',
      "the target is a kit worker's ops port: expect the worker metric families, skip the trace check",
      false,
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExit codes: 0 every check passed, 1 a check failed, 2 bad usage or a target unreachable.',
    )
    .action(async (urls: string[], flags: ProbeFlags) => {
      const targets = urls.map(parseTarget);
      const terminal = createTerminal();
      const report = await probeTargets(targets, {
        samples: flags.samples,
        p95LimitMs: flags.p95Ms,
        timeoutMs: flags.timeoutMs,
        worker: flags.worker,
        progress: (message) => terminal.progress(`probing ${message}`),
      });
      terminal.progressDone();
      if (flags.format === 'json') terminal.out(JSON.stringify(report, null, 2));
      else printProbeReport(report, terminal);
      for (const target of report.targets) {
        if (!target.reachable) {
          terminal.err(
            `bulwark: ${target.url} unreachable: ${target.checks[0]?.detail ?? 'no answer'}`,
          );
        }
      }
      setExitCode(exitCodeOf(report));
    });
}

/** A base URL to probe: http or https, no credentials, query or fragment. */
export function parseTarget(text: string): URL {
  if (!text.includes('://')) {
    throw new UsageError(`URL ${JSON.stringify(text)} needs a scheme, e.g. http://${text}`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `invalid URL ${JSON.stringify(text)}: expected e.g. http://127.0.0.1:8080`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `unsupported URL ${JSON.stringify(text)}: only http and https can be probed`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`URL ${JSON.stringify(url.host)} must not carry credentials`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(`URL ${JSON.stringify(text)} must not have a query or fragment`);
  }
  return url;
}

function integerIn(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    }
    return number;
  };
}

function numberIn(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
    }
    return number;
  };
}
