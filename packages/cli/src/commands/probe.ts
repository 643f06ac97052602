import { loadServiceAccess, ServiceAccessError, type ServiceAccessSpec } from '@bulwark/verify';
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
  caFile?: string;
  serverName?: string;
  apiKeyFile?: string;
  apiKeyHeader?: string;
  bearerTokenFile?: string;
  apiPath?: string;
  auth: boolean;
  rateLimitPath?: string;
  redirectFrom?: string;
  contractOnly: boolean;
}

export function registerProbe(program: Command, setExitCode: SetExitCode): void {
  program
    .command('probe')
    .description(
      "Check a kit service's operational contract from outside: /live, /startup, /ready and " +
        '/health status and p95 latency, /metrics in Prometheus text format with the contract ' +
        'families, traceparent propagation; then TLS (https), security headers, sanitized ' +
        'errors, and with --auth or credentials, authentication',
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
    .option(
      '--ca-file <file>',
      "PEM CA the https targets' certificates chain to (instead of the system roots)",
    )
    .option(
      '--server-name <name>',
      'the name the certificate must carry, when the URL host is not it',
    )
    .option('--api-key-file <file>', 'file holding an API key, sent to API paths (never to probes)')
    .option('--api-key-header <name>', 'header the API key goes in (default: x-api-key)')
    .option('--bearer-token-file <file>', 'file holding a bearer token, sent to API paths')
    .option(
      '--api-path <path>',
      'an API route: auth asks it, the malformed body goes to it (default: /v1/items)',
    )
    .option(
      '--auth',
      'check that the API path refuses missing and wrong credentials (implied by a credential file)',
      false,
    )
    .option('--rate-limit-path <path>', 'burst this path with the credentials until it answers 429')
    .option(
      '--redirect-from <url>',
      'a plain-HTTP address that must answer a permanent redirect to the target',
    )
    .option(
      '--contract-only',
      'only the contract checks: no tls, headers, errors, auth or ratelimit',
      false,
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExit codes: 0 every check passed, 1 a check failed, 2 bad usage or a target unreachable.',
    )
    .action(async (urls: string[], flags: ProbeFlags) => {
      const targets = urls.map(parseTarget);
      const access = accessOf(flags, targets);
      const terminal = createTerminal();
      const report = await probeTargets(targets, {
        samples: flags.samples,
        p95LimitMs: flags.p95Ms,
        timeoutMs: flags.timeoutMs,
        worker: flags.worker,
        access,
        security: {
          contractOnly: flags.contractOnly,
          ...(flags.apiPath === undefined
            ? {}
            : { apiPath: parsePath(flags.apiPath, '--api-path') }),
          auth: flags.auth || access.credentials !== undefined,
          ...(flags.rateLimitPath === undefined
            ? {}
            : { rateLimitPath: parsePath(flags.rateLimitPath, '--rate-limit-path') }),
          ...(flags.redirectFrom === undefined
            ? {}
            : { redirectFrom: parsePlainUrl(flags.redirectFrom) }),
        },
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

/**
 * The CA and credential files from the flags, read once here so a missing or bad file is bad
 * usage (exit 2) before anything is sent. The message names the file, never its contents.
 */
function accessOf(flags: ProbeFlags, targets: readonly URL[]): ServiceAccessSpec {
  const tls = {
    ...(flags.caFile === undefined ? {} : { caFile: flags.caFile }),
    ...(flags.serverName === undefined ? {} : { serverName: flags.serverName }),
  };
  const credentials = {
    ...(flags.apiKeyFile === undefined ? {} : { apiKeyFile: flags.apiKeyFile }),
    ...(flags.apiKeyHeader === undefined ? {} : { apiKeyHeader: flags.apiKeyHeader }),
    ...(flags.bearerTokenFile === undefined ? {} : { bearerTokenFile: flags.bearerTokenFile }),
  };
  if (flags.apiKeyHeader !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(flags.apiKeyHeader)) {
    throw new UsageError(
      `--api-key-header ${JSON.stringify(flags.apiKeyHeader)} is not a header name`,
    );
  }
  if (flags.apiKeyHeader !== undefined && flags.apiKeyFile === undefined) {
    throw new UsageError('--api-key-header needs --api-key-file');
  }
  const spec: ServiceAccessSpec = {
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(flags.apiKeyFile !== undefined || flags.bearerTokenFile !== undefined
      ? { credentials }
      : {}),
  };
  try {
    for (const target of targets) loadServiceAccess(spec, target, process.cwd());
  } catch (error) {
    if (error instanceof ServiceAccessError) throw new UsageError(error.message);
    throw error;
  }
  return spec;
}

/** An absolute path on the target, without a query or fragment. */
function parsePath(text: string, flag: string): string {
  if (!/^\/[^\s?#]*$/.test(text) || text.length > 2000) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text.slice(0, 100))} must be a path starting with /, without a query`,
    );
  }
  return text;
}

/** --redirect-from: a plain-HTTP URL, no credentials in it. */
function parsePlainUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--redirect-from ${JSON.stringify(text.slice(0, 100))} is not a URL`);
  }
  if (url.protocol !== 'http:' || url.username !== '' || url.password !== '') {
    throw new UsageError(`--redirect-from must be a plain http:// URL without credentials`);
  }
  return url.href;
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
