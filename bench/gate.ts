/**
 * bench:gate: the tool gate's decision cost, each figure against its baseline in the same run.
 *
 *   npm run bench:gate -- [--rules 1000] [--calls 200000] [--seconds 5] [--rounds 3]
 *                         [--connections 32] [--skip-http]
 *
 * 1. In process, a compiled policy of --rules rules: `policy.evaluate()` (the pure lookup),
 *    `gate.evaluate()` (plus the decision's id and record fields) and `gate.decide()` (plus the
 *    durable, group-committed outbox write), against a plain Map lookup of the same keys. Calls
 *    are timed in batches of BATCH (a single call is shorter than the timer's own resolution);
 *    p50/p99 are over the batches' per-call means. Target: evaluate p99 <= 10 µs.
 * 2. Over HTTP, services/tool-gate (kit service, outbox on disk, no ledger attached so shipping
 *    does not share the two cores) against bare Fastify answering a constant, rounds
 *    interleaved; a kit service answering the same constant splits the gap into the kit's
 *    request path and the gate's own work. Targets: >= 10,000 decisions/s, p99 <= 5 ms,
 *    >= 0.7 of bare Fastify.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  compilePolicy,
  type DecisionInput,
  FileOutbox,
  type PolicyDocument,
  type PolicyRule,
  ToolGate,
} from '@bulwark/gate';
import { PublicKeyring } from '@bulwark/keys';
import { freePort } from '@bulwark/testkit';
import autocannon from 'autocannon';
import { request } from 'undici';
import { stringify } from 'yaml';

const { values } = parseArgs({
  options: {
    rules: { type: 'string', default: '1000' },
    calls: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    'skip-http': { type: 'boolean', default: false },
  },
});
const RULES = Number(values.rules);
const CALLS = Number(values.calls);
const BATCH = 100;
const root = join(import.meta.dirname, '..');
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

// --- the policy: RULES rules over TOOLS tools, a realistic mix -----------------------------
const TOOLS = Math.max(10, Math.round(RULES / 20));
function benchPolicy(): PolicyDocument {
  const rules = (mode: string): PolicyRule[] =>
    Array.from({ length: RULES }, (_, i) => {
      const tool = `tool${i % TOOLS}`;
      const action = `action${Math.floor(i / TOOLS) % 20}`;
      if (i % 50 === 0)
        return {
          id: `${mode}-deny-${i}`,
          tool,
          action: '*',
          effect: 'deny',
          when: { subject: ['blocked:*'] },
        };
      if (i % 7 === 0) {
        return {
          id: `${mode}-r${i}`,
          tool,
          action,
          effect: 'allow',
          when: { subject: ['svc:*'], resource: [`https://r${i}.example/*`] },
        };
      }
      if (i % 11 === 0) return { id: `${mode}-a${i}`, tool, action, effect: 'approval' };
      return {
        id: `${mode}-r${i}`,
        tool,
        action,
        effect: 'allow',
        when: { args: { limit: { max: 100 } } },
      };
    });
  return {
    format: 'bulwark.policy/v1',
    gate: 'bench-gate',
    version: 1,
    expiresAt: '2099-01-01T00:00:00Z',
    defaultMode: 'WORK',
    modes: {
      PUB: { rules: rules('PUB'), egress: [] },
      WORK: { rules: rules('WORK'), egress: [{ cidr: '127.0.0.0/8' }] },
    },
  };
}

function inputs(count: number): DecisionInput[] {
  return Array.from({ length: count }, (_, i) => ({
    tool: `tool${(i * 7919) % (TOOLS + 2)}`, // a few tools no rule names
    action: `action${(i * 104729) % 21}`,
    subject: i % 3 === 0 ? 'svc:reports' : 'user:alice',
    resource: `https://r${i % RULES}.example/x`,
    args: { limit: i % 150 },
  }));
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** Per-call µs: each sample is the mean of BATCH consecutive calls. */
function timeBatches(count: number, call: (i: number) => unknown): number[] {
  const samples: number[] = [];
  let sink = 0;
  for (let start = 0; start + BATCH <= count; start += BATCH) {
    const t0 = process.hrtime.bigint();
    for (let i = start; i < start + BATCH; i++) if (call(i)) sink++;
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / BATCH);
  }
  if (sink < 0) console.log(sink);
  return samples.sort((a, b) => a - b);
}

async function inProcess(): Promise<void> {
  const document = benchPolicy();
  const compileStart = performance.now();
  const policy = compilePolicy(document);
  const compileMs = performance.now() - compileStart;
  const asked = inputs(CALLS);
  const map = new Map<string, boolean>();
  for (const rule of document.modes.WORK?.rules ?? [])
    map.set(`${rule.tool}\u0000${rule.action}`, rule.effect === 'allow');
  const keys = asked.map((input) => `${input.tool}\u0000${input.action}`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-gate-'));
  const outbox = await FileOutbox.open({ dir: join(dir, 'outbox'), maxRecords: CALLS * 4 });
  const keyring = new PublicKeyring();
  const gate = await ToolGate.open({
    gate: 'bench-gate',
    stateDir: join(dir, 'state'),
    initialBundle: Buffer.from(stringify(document)),
    policyKeys: keyring,
    requireSignedBundles: false,
    operators: keyring,
    quorum: 1,
    recorder: outbox,
  });

  // Warm-up: JIT every path before timing.
  timeBatches(Math.min(CALLS, 20_000), (i) => map.get(keys[i] as string));
  timeBatches(
    Math.min(CALLS, 20_000),
    (i) => policy.evaluate('WORK', asked[i] as DecisionInput).allow,
  );
  const rows: [string, number[]][] = [];
  for (let round = 0; round < 2; round++) {
    rows.push(['Map lookup (baseline)', timeBatches(CALLS, (i) => map.get(keys[i] as string))]);
    rows.push([
      'policy.evaluate()',
      timeBatches(CALLS, (i) => policy.evaluate('WORK', asked[i] as DecisionInput).allow),
    ]);
    rows.push([
      'gate.evaluate()',
      timeBatches(CALLS, (i) => gate.evaluate(asked[i] as DecisionInput).allow),
    ]);
  }
  // decide(): concurrent callers, each decision timed from call to durable answer.
  const concurrency = 64;
  const decideLatency: number[] = [];
  let next = 0;
  const decideCount = Math.min(CALLS, 100_000);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < decideCount) {
        const input = asked[next++] as DecisionInput;
        const t0 = performance.now();
        await gate.decide(input);
        decideLatency.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const decideSeconds = (performance.now() - started) / 1000;
  await gate.close();
  await outbox.close();
  rmSync(dir, { recursive: true, force: true });

  const baseline = rows[rows.length - 3]?.[1] ?? [];
  const baseP50 = percentile(baseline, 50);
  console.log(
    `bench:gate  in process: ${RULES} rules per mode, ${TOOLS} tools, ${CALLS} calls, batches of ${BATCH}; compile ${compileMs.toFixed(0)} ms`,
  );
  console.log(
    `${'call'.padEnd(26)}${'p50 µs'.padStart(9)}${'p99 µs'.padStart(9)}${'p50 / Map'.padStart(11)}`,
  );
  for (const [label, samples] of rows.slice(-3)) {
    const p50 = percentile(samples, 50);
    console.log(
      `${label.padEnd(26)}${p50.toFixed(3).padStart(9)}${percentile(samples, 99).toFixed(3).padStart(9)}${(p50 / baseP50).toFixed(1).padStart(11)}`,
    );
  }
  const evaluate = rows[rows.length - 2]?.[1] ?? [];
  console.log(`policy.evaluate() p99 ${percentile(evaluate, 99).toFixed(3)} µs (target <= 10 µs)`);
  decideLatency.sort((a, b) => a - b);
  console.log(
    `gate.decide() with the durable outbox, ${concurrency} concurrent callers: ${Math.round(decideCount / decideSeconds)} decisions/s, p50 ${percentile(decideLatency, 50).toFixed(0)} µs, p99 ${percentile(decideLatency, 99).toFixed(0)} µs`,
  );
}

// --- HTTP ----------------------------------------------------------------------------------
interface Server {
  label: string;
  start(port: number, dir: string): ChildProcess;
}

const devNull = () => openSync('/dev/null', 'w');
function spawnTs(entry: string, env: Record<string, string>): ChildProcess {
  const out = devNull();
  const child = spawn(process.execPath, ['--import', tsx, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  return child;
}

const constant =
  (server: 'bare' | 'kit'): ((port: number) => ChildProcess) =>
  (port) =>
    spawnTs(join(root, 'bench', 'servers', 'decision-constant.ts'), {
      PORT: String(port),
      BENCH_SERVER: server,
    });
const BARE: Server = { label: 'bare Fastify (constant)', start: constant('bare') };
const KIT: Server = { label: 'kit service (constant)', start: constant('kit') };
const GATE: Server = {
  label: 'tool-gate service',
  start: (port, dir) =>
    spawnTs(join(root, 'services', 'tool-gate', 'src', 'main.ts'), {
      PORT: String(port),
      LOG_LEVEL: 'info',
      BULWARK_GATE_STATE_DIR: join(dir, 'state'),
      BULWARK_KEYS_DIR: join(dir, 'keys'),
      BULWARK_GATE_OUTBOX_MAX_RECORDS: '100000000',
    }),
};

async function ready(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('server exited during startup');
    try {
      const response = await request(`http://127.0.0.1:${port}/ready`);
      await response.body.dump();
      if (response.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('server not ready in 30 s');
}

function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6;
}

const BODY = JSON.stringify({
  tool: 'tool3',
  action: 'action0',
  subject: 'svc:reports',
  resource: 'https://r3.example/x',
  args: { limit: 5 },
});

async function measure(server: Server) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-gate-http-'));
  const child = server.start(port, dir);
  try {
    await ready(port, child);
    const options = {
      url: `http://127.0.0.1:${port}/v1/decisions`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: BODY,
      connections: Number(values.connections),
    };
    await autocannon({ ...options, duration: 1 });
    const cpu0 = cpuMicros(child.pid ?? 0);
    const result = await autocannon({ ...options, duration: Number(values.seconds) });
    const cpu = cpuMicros(child.pid ?? 0) - cpu0;
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuPerRequest: cpu / Math.max(1, result.requests.total),
      failures: result.errors + result.non2xx,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) =>
      child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

async function overHttp(): Promise<void> {
  const rounds = Number(values.rounds);
  const servers = [BARE, KIT, GATE];
  const samples = new Map<Server, Awaited<ReturnType<typeof measure>>[]>(
    servers.map((server) => [server, []]),
  );
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      process.stderr.write(`round ${round}/${rounds}: ${server.label}…\n`);
      samples.get(server)?.push(await measure(server));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const summary = (server: Server) => {
    const list = samples.get(server) ?? [];
    return {
      rps: Math.round(median(list.map((s) => s.rps))),
      p50: median(list.map((s) => s.p50)),
      p99: median(list.map((s) => s.p99)),
      cpu: median(list.map((s) => s.cpuPerRequest)),
      failures: list.reduce((n, s) => n + s.failures, 0),
    };
  };
  const bare = summary(BARE);
  console.log(
    `bench:gate  over HTTP: ${rounds} rounds x ${values.seconds} s, ${values.connections} connections, median of rounds`,
  );
  console.log(
    `${'server'.padEnd(26)}${'req/s'.padStart(8)}${'ratio'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'cpu µs/req'.padStart(12)}  failures`,
  );
  for (const server of servers) {
    const row = summary(server);
    console.log(
      `${server.label.padEnd(26)}${String(row.rps).padStart(8)}${(row.rps / bare.rps).toFixed(3).padStart(8)}${String(row.p50).padStart(8)}${String(row.p99).padStart(8)}${row.cpu.toFixed(1).padStart(12)}  ${row.failures}`,
    );
  }
  const gate = summary(GATE);
  const kit = summary(KIT);
  console.log(
    `the kit's request path alone: ${(kit.rps / bare.rps).toFixed(3)} of bare Fastify; deciding and recording on top of it: ${(gate.rps / kit.rps).toFixed(3)} of the kit answering a constant`,
  );
  console.log(
    `tool-gate: ${gate.rps} decisions/s (target >= 10000), p99 ${gate.p99} ms (target <= 5), ratio ${(gate.rps / bare.rps).toFixed(3)} of bare Fastify (target >= 0.7)`,
  );
}

await inProcess();
if (!values['skip-http']) await overHttp();
