import { fileURLToPath } from 'node:url';
import type { Verifier } from '@bulwark/keys';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { Value } from '@sinclair/typebox/value';
import { defaultRegistry } from '../src/checks/builtin.js';
import type { CheckContext, CheckOutcome } from '../src/checks/check.js';
import { createSharedServices } from '../src/checks/shared.js';
import { type Criterion, PLAN_FORMAT, type Plan, type PlanService } from '../src/plan/schema.js';

/** Helpers for the check plugins' tests: real processes, and a context the way the runner builds one. */

export const KIT_SERVICE = fileURLToPath(new URL('./processes/kit-service.ts', import.meta.url));
export const KIT_FLEET = fileURLToPath(new URL('./processes/kit-fleet.ts', import.meta.url));
export const STACK_LEAKING_SERVICE = fileURLToPath(
  new URL('./processes/stack-leaking-service.ts', import.meta.url),
);

export interface Running {
  readonly url: string;
  readonly process: SpawnedProcess;
  stop(): Promise<void>;
}

/** Starts a fixture on a free port and waits until it says it is serving. */
export async function startFixture(
  entry: string,
  env: Record<string, string> = {},
  ready: (line: string) => boolean = (line) => line.includes('ready on http'),
  timeoutMs = 20_000,
): Promise<Running> {
  const port = env.PORT ?? String(await freePort());
  const child = spawnTs(entry, { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0', ...env, PORT: port });
  await waitOrStop(child, ready, timeoutMs);
  return { url: `http://127.0.0.1:${port}`, process: child, stop: () => stopProcess(child) };
}

/** A fixture that never got ready is stopped before the failure is reported: nothing leaks. */
async function waitOrStop(
  child: SpawnedProcess,
  ready: (line: string) => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  try {
    await child.waitForLine(ready, timeoutMs);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
}

export async function stopProcess(child: SpawnedProcess): Promise<void> {
  if (child.child.exitCode === null && child.child.signalCode === null) child.kill('SIGTERM');
  await child.exited;
}

export interface Fleet {
  readonly healthy: string;
  readonly readyChecksNothing: string;
  readonly metricsMissingFamilies: string;
  readonly dropsTraceparent: string;
  stop(): Promise<void>;
}

/** processes/kit-fleet.ts: the healthy service and its broken variants in one process. */
export async function startFleet(): Promise<Fleet> {
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const [healthy, nothing, metrics, proxy] = ports.map(String) as [string, string, string, string];
  const child = spawnTs(KIT_FLEET, {
    PORT: healthy,
    TEST_READY_NOTHING_PORT: nothing,
    TEST_METRICS_BROKEN_PORT: metrics,
    TEST_TRACE_PROXY_PORT: proxy,
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
  });
  await waitOrStop(child, (line) => line.includes('fleet ready'));
  const url = (port: string) => `http://127.0.0.1:${port}`;
  return {
    healthy: url(healthy),
    readyChecksNothing: url(nothing),
    metricsMissingFamilies: url(metrics),
    dropsTraceparent: url(proxy),
    stop: () => stopProcess(child),
  };
}

export function planWith(services: PlanService[], criterion: Partial<Criterion> = {}): Plan {
  return {
    format: PLAN_FORMAT,
    name: 'checks-test',
    environments: { dev: { services } },
    criteria: [{ id: 'c1', text: 'a criterion', status: 'todo', ...criterion }],
  };
}

export interface RunOptions {
  readonly service?: PlanService;
  readonly plan?: Plan;
  readonly planDir?: string;
  readonly keyring?: Verifier;
  readonly attestationsDir?: string;
  readonly signal?: AbortSignal;
  readonly now?: Date;
  readonly timeoutMs?: number;
}

/**
 * Runs one registered check as the runner does: params through the plugin's schema with its
 * defaults, a fresh shared HTTP client closed afterwards.
 */
export async function runCheck(
  id: string,
  params: Record<string, unknown>,
  options: RunOptions = {},
): Promise<CheckOutcome> {
  const plugin = defaultRegistry().get(id);
  if (!plugin) throw new Error(`no check ${id}`);
  const withDefaults = Value.Default(plugin.params, structuredClone(params));
  if (!Value.Check(plugin.params, withDefaults)) {
    throw new Error(`bad params for ${id}: ${JSON.stringify(params)}`);
  }
  const plan = options.plan ?? planWith(options.service ? [options.service] : []);
  const shared = createSharedServices({
    timeoutMs: options.timeoutMs ?? 5000,
    attestationsDir: options.attestationsDir ?? '.bulwark/attestations',
    ...(options.keyring ? { keyring: options.keyring } : {}),
  });
  const context: CheckContext = {
    plan,
    planDir: options.planDir ?? process.cwd(),
    environmentName: 'dev',
    environment: plan.environments.dev ?? { services: [] },
    criterion: plan.criteria[0] as Criterion,
    ...(options.service ? { service: options.service } : {}),
    timeoutMs: options.timeoutMs ?? 5000,
    signal: options.signal ?? new AbortController().signal,
    progress: () => undefined,
    now: () => options.now ?? new Date(),
    shared,
  };
  try {
    return await plugin.run(withDefaults, context);
  } finally {
    await shared.close();
  }
}

export function httpService(url: string, extra: Partial<PlanService> = {}): PlanService {
  return { name: 'svc', url, kind: 'http', ...extra };
}
