import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Agent } from 'undici';
import { EXIT } from '../exit-codes.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { type DevCredentials, prepareDevCredentials } from '../stack/dev-credentials.js';
import { defaultPidDir } from '../stack/pid-files.js';
import { assertPortsFree } from '../stack/port-check.js';
import {
  devCredentialsDir,
  type ResolvedService,
  resolveStack,
  STACK_HOST,
} from '../stack/resolve-stack.js';
import { parseRecord } from '../stack/service-process.js';
import { loadStackFile } from '../stack/stack-file.js';
import { StackStartError } from '../stack/start-errors.js';
import { type StopSignal, StopSignals, signalExitCode } from '../stack/stop-signals.js';
import {
  defaultLogDir,
  exitedDuringStartup,
  type LogLine,
  type RestartEvent,
  Supervisor,
  type UnexpectedExit,
} from '../stack/supervisor.js';
import type { SetExitCode } from './index.js';

interface UpOptions {
  stack: string;
  once: boolean;
  timeout: number;
  logs: boolean;
  probe: boolean;
  verify: boolean;
  format: 'table' | 'json';
  portBase?: number;
  port: Array<{ service: string; port: number }>;
}

/** How long each service gets for its phased shutdown before it is killed. */
const STOP_GRACE_MS = 30_000;

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError('expected a positive number of seconds');
  }
  return seconds;
}

function tcpPort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError('expected a port from 1 to 65535');
  }
  return port;
}

function servicePort(
  value: string,
  previous: UpOptions['port'],
): Array<{ service: string; port: number }> {
  const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected <service>=<port>, e.g. ledger=9081');
  return [...previous, { service: match[1]!, port: tcpPort(match[2]!) }];
}

export function registerUp(program: Command, setExitCode: SetExitCode): void {
  program
    .command('up')
    .description(
      "Start the stack on loopback, wait for readiness, verify it (the stack file's plan with `bulwark verify`, else `bulwark probe`), and serve until Ctrl-C",
    )
    .option('--stack <file>', 'stack file listing the services to run', 'bulwark.stack.yaml')
    .option(
      '--port <service=port>',
      `run one service on another port (repeatable); \${service.url} in the stack file follows it`,
      servicePort,
      [],
    )
    .option(
      '--port-base <port>',
      'run the services on consecutive ports from <port>, in stack-file order',
      tcpPort,
    )
    .option('--once', 'stop the stack after the verification and exit with its verdict', false)
    .option(
      '--timeout <seconds>',
      'how long each service may take to become ready',
      positiveSeconds,
      60,
    )
    .option('--logs', 'stream every service log line to the terminal', false)
    .option('--no-probe', 'skip the verification after startup (plan and probe)')
    .option('--no-verify', "probe the stack instead of running the stack file's plan")
    .addOption(
      new Option('--format <format>', 'verification report format')
        .choices(['table', 'json'])
        .default('table'),
    )
    .addHelpText(
      'after',
      `
Ports: the stack file's, unless --port-base or --port moves them. A port already in use
fails at once (exit 2) and names the port. A second reference stack beside the first needs
its own ports and its own data directories (the reference stack file reads them from
BULWARK_STACK_DATA, default .bulwark/state):
  BULWARK_STACK_DATA=.bulwark/state-2 bulwark up --port-base 9080

Restarts: a service's \`restart:\` in the stack file (no, the default; on-failure; always;
or { policy, maxRestarts, windowSeconds, backoffMs }) says whether a service that exits
while serving is started again. Each running service's pid is kept in
.bulwark/state/pids/<service>.pid beside the stack file, for a plan's control.pidFile.

Exit codes: 0 the stack met the contract and stopped cleanly; 1 the probe failed, a service
died while serving (not restarted) or did not stop cleanly; 2 bad usage, a busy port, or a service that exited
or was not ready during startup (its last log lines follow the cause); 128+N when signal N
(SIGINT 130, SIGTERM 143, SIGHUP 129) stopped up before the stack was serving. Every signal,
in any phase, stops what up started; if up itself is killed, the services shut down on
their own.`,
    )
    .action(async (options: UpOptions) => {
      setExitCode(await up(options, createTerminal()));
    });
}

async function up(options: UpOptions, term: Terminal): Promise<number> {
  const stackPath = resolve(options.stack);
  const root = dirname(stackPath);
  const stack = await loadStackFile(stackPath);
  const services = resolveStack(
    stack,
    root,
    { base: options.portBase, ports: options.port },
    { databaseUrls: true },
  );
  await assertPortsFree(services);
  const credentials = await prepareDevCredentials(services, devCredentialsDir(stack, root));
  for (const line of credentials.lines) term.err(line);
  // /ready of an HTTPS service is asked through an agent that trusts the development CA only.
  const trusting = credentials.caFile
    ? new Agent({ connect: { ca: await readFile(credentials.caFile, 'utf8') } })
    : undefined;

  // From here on, nothing ends `up` without stopping what it started.
  const signals = new StopSignals();
  let stopping = false;
  const supervisor = new Supervisor({
    root,
    logDir: defaultLogDir(stackPath),
    pidDir: defaultPidDir(stackPath),
    onLine: (line) => showLine(line, options.logs || stopping, term),
    onRestart: (event) => showRestart(event, term),
    restartReadyTimeoutMs: options.timeout * 1000,
    ...(trusting ? { dispatcher: trusting } : {}),
  });
  const stop = async (): Promise<boolean> => {
    stopping = true;
    signals.onRepeat(() => {
      term.err('second signal: killing the stack');
      supervisor.killAll();
    });
    const results = await supervisor.stopAll(STOP_GRACE_MS);
    for (const { name, code } of results) {
      term.err(
        `${code === 0 ? term.color.green('stopped') : term.color.red('failed ')}  ${name}  exit ${code}`,
      );
    }
    return results.every((r) => r.code === 0);
  };

  try {
    const started = await startAll(services, supervisor, signals, options, term);
    if (started !== 'ok') {
      if (started instanceof StackStartError) {
        reportFailure(started.message, started.service, started.tail, stackPath, term);
      } else {
        term.err(`bulwark: ${started} during startup; stopping what was started`);
      }
      await stop();
      return started instanceof StackStartError ? EXIT.usage : signalExitCode(started);
    }

    let verdict: number = EXIT.ok;
    if (options.probe) {
      const plan = options.verify ? stack.verify : undefined;
      const probed = await firstOf(
        plan
          ? verifyStack(
              supervisor,
              { ...plan, plan: resolve(root, plan.plan) },
              options.format,
              term,
            )
          : probeStack(supervisor, credentials, options.format, term),
        signals,
        supervisor,
      );
      if (probed.kind !== 'done') {
        return await endEarly(probed, stackPath, term, stop);
      }
      verdict = probed.value;
    }

    if (!options.once) {
      term.err(`serving ${services.length} service(s); press Ctrl-C to stop`);
      const served = await firstOf(new Promise<never>(() => {}), signals, supervisor);
      if (served.kind === 'exited') return await endEarly(served, stackPath, term, stop);
    }

    term.err('stopping the stack (phased shutdown)…');
    const clean = await stop();
    return clean ? verdict : EXIT.checksFailed;
  } finally {
    if (!stopping) await supervisor.stopAll(STOP_GRACE_MS);
    signals.dispose();
    await trusting?.close();
  }
}

/** Starts each service in order; 'ok', the StackStartError, or the signal that interrupted. */
async function startAll(
  services: readonly ResolvedService[],
  supervisor: Supervisor,
  signals: StopSignals,
  options: UpOptions,
  term: Terminal,
): Promise<'ok' | StackStartError | StopSignal> {
  for (const service of services) {
    const proc = supervisor.start(service);
    term.progress(`starting ${service.name}…`);
    // Any service dying (not only the one waited for) ends the wait: firstOf sees it, the
    // abort stops waitReady.
    const abort = new AbortController();
    let outcome: Outcome<void>;
    try {
      outcome = await firstOf(
        supervisor.waitReady(proc, {
          timeoutMs: options.timeout * 1000,
          signal: AbortSignal.any([signals.signal, abort.signal]),
          onStatus: (status) =>
            term.progress(`waiting for ${service.name} on ${proc.url}: ${status}`),
        }),
        signals,
        supervisor,
      );
    } catch (error) {
      term.progressDone();
      if (error instanceof StackStartError) return error;
      if (signals.received !== undefined) return signals.received;
      throw error;
    } finally {
      abort.abort();
    }
    term.progressDone();
    if (outcome.kind === 'exited') return exitedDuringStartup(outcome.exit.proc);
    if (outcome.kind === 'signal') return outcome.signal;
    term.err(`${term.color.green('ready')}  ${service.name}  ${proc.url}`);
  }
  return 'ok';
}

/** The same command a user would run by hand, so `up` proves exactly what `probe` checks. */
async function probeStack(
  supervisor: Supervisor,
  credentials: DevCredentials,
  format: UpOptions['format'],
  term: Terminal,
): Promise<number> {
  const { main } = await import('../main.js');
  const urls = supervisor.services.map((proc) => proc.url);
  // The probe takes one key: the first service's that requires one (the others ignore it).
  const [apiKeyFile] = credentials.apiKeyFiles.values();
  const verdict = await main([
    'probe',
    ...urls,
    ...(credentials.caFile ? ['--ca-file', credentials.caFile] : []),
    ...(apiKeyFile ? ['--api-key-file', apiKeyFile] : []),
    '--format',
    format,
  ]);
  term.err(
    verdict === 0
      ? term.color.green('verdict: the stack meets the operational contract')
      : term.color.red('verdict: the stack does NOT meet the operational contract'),
  );
  return verdict;
}

/**
 * `bulwark verify` on the stack file's plan, as a user would run it. The plan's service URLs
 * read BULWARK_<SERVICE>_URL (core-api → BULWARK_CORE_API_URL), set here to where each service
 * runs, so a stack moved with --port-base is verified where it is. They are set in up's own
 * environment only after every service has started, so no service inherits them.
 */
async function verifyStack(
  supervisor: Supervisor,
  plan: { plan: string; environment: string },
  format: UpOptions['format'],
  term: Terminal,
): Promise<number> {
  const { main } = await import('../main.js');
  for (const proc of supervisor.services) {
    const prefix = `BULWARK_${proc.name.toUpperCase().replace(/-/g, '_')}`;
    process.env[`${prefix}_URL`] = proc.url;
    // The plain-HTTP address that redirects to it, for tls.redirect.
    const { redirectPort } = proc.service;
    if (redirectPort !== undefined) {
      process.env[`${prefix}_REDIRECT_URL`] = `http://${STACK_HOST}:${redirectPort}`;
    }
  }
  const verdict = await main([
    'verify',
    '--plan',
    plan.plan,
    '--env',
    plan.environment,
    '--format',
    format,
  ]);
  term.err(
    verdict === 0
      ? term.color.green(
          `verdict: the stack meets every required criterion of ${relative(process.cwd(), plan.plan)}`,
        )
      : term.color.red(
          `verdict: the stack does NOT meet ${relative(process.cwd(), plan.plan)} (exit ${verdict})`,
        ),
  );
  return verdict;
}

type Outcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'signal'; signal: StopSignal }
  | { kind: 'exited'; exit: UnexpectedExit };

/** Whichever comes first: `work`, a stop signal, or a service dying on its own. */
function firstOf<T>(
  work: Promise<T>,
  signals: StopSignals,
  supervisor: Supervisor,
): Promise<Outcome<T>> {
  return Promise.race([
    work.then((value): Outcome<T> => ({ kind: 'done', value })),
    signals.first().then((signal): Outcome<T> => ({ kind: 'signal', signal })),
    supervisor.unexpectedExit().then((exit): Outcome<T> => ({ kind: 'exited', exit })),
  ]);
}

async function endEarly(
  outcome: Exclude<Outcome<unknown>, { kind: 'done' }>,
  stackPath: string,
  term: Terminal,
  stop: () => Promise<boolean>,
): Promise<number> {
  if (outcome.kind === 'signal') {
    term.err(`bulwark: ${outcome.signal}; stopping the stack`);
    await stop();
    return signalExitCode(outcome.signal);
  }
  const { proc, notRestarted } = outcome.exit;
  const why = notRestarted === undefined ? '' : ` (not restarted: ${notRestarted})`;
  reportFailure(
    `${proc.name} exited while serving with code ${proc.exitStatus?.code}: ${proc.cause()}${why}`,
    proc.name,
    proc.tail(),
    stackPath,
    term,
  );
  await stop();
  return EXIT.checksFailed;
}

/** One line for each thing the restart policy did. */
function showRestart(event: RestartEvent, term: Terminal): void {
  if (event.kind === 'restarting') {
    term.err(
      `${term.color.yellow('restart')}  ${event.service}  exited with code ${event.code} (${event.cause}); ` +
        `restart ${event.attempt} of ${event.maxRestarts} within ${event.windowSeconds} s, in ${event.delayMs} ms`,
    );
  } else if (event.kind === 'restarted') {
    term.err(
      `${term.color.green('ready')}  ${event.service}  ${event.url}  (restarted as pid ${event.pid}; down ${event.downMs} ms)`,
    );
  } else {
    term.err(
      `${term.color.red('not ready')}  ${event.service}  pid ${event.pid} still not ready ${Math.round(event.afterMs / 1000)} s after its restart`,
    );
  }
}

/** One line with the cause, then the service's last log lines from this run. */
function reportFailure(
  message: string,
  service: string,
  tail: readonly string[],
  stackPath: string,
  term: Terminal,
): void {
  const logFile = join(defaultLogDir(stackPath), `${service}.log`);
  term.err(`bulwark: ${message}`);
  if (tail.length === 0) {
    term.err(term.color.dim(`(nothing logged; see ${logFile})`));
    return;
  }
  term.err(term.color.dim(`last ${tail.length} line(s) of ${logFile}:`));
  for (const raw of tail) term.err(`  ${formatTailLine(raw)}`);
}

function formatTailLine(raw: string): string {
  const record = parseRecord(raw);
  const text =
    record?.msg === undefined
      ? raw
      : `${String(record.level ?? '').padEnd(5)} ${record.msg}${record.code ? ` [${String(record.code)}]` : ''}`;
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/**
 * Service lines reach the terminal with --logs, and while `up` stops the stack (to show the
 * phased shutdown). A service that fails on its own is reported with its log's tail instead.
 */
function showLine(line: LogLine, show: boolean, term: Terminal): void {
  if (!show) return;
  const msg = line.record?.msg;
  const text = msg === undefined ? line.raw : formatRecord(msg, line.record ?? {});
  term.err(`${term.color.dim(line.service.padEnd(10))} ${text}`);
}

function formatRecord(msg: string, record: Record<string, unknown>): string {
  const duration = record.duration_ms === undefined ? '' : ` (${String(record.duration_ms)} ms)`;
  return `${msg}${duration}`;
}
