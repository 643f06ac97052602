/**
 * bench:kit: throughput and latency of one route on bare Fastify against the same route with the
 * whole kit on, measured in the same run, rounds interleaved so drift on a shared machine hits
 * both sides alike. Each server runs in its own process; autocannon drives it from this one.
 *
 *   npm run bench:kit -- [--seconds 5] [--rounds 3] [--connections 32]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@bulwark/testkit';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function startServer(file: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', tsx, join(import.meta.dirname, 'servers', file)],
    {
      env: { ...process.env, PORT: String(port), NODE_ENV: 'production', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (/listening|ready on/.test(chunk.toString())) resolve();
    });
  });
  // After startup, discard output (the kit's access log) without blocking the server.
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  return { child, port };
}

async function measure(file: string): Promise<Sample> {
  const { child, port } = await startServer(file);
  const url = `http://127.0.0.1:${port}/v1/hello/world`;
  await autocannon({ url, connections, duration: 1 }); // warm-up: JIT, connection pool
  const result = await autocannon({ url, connections, duration: seconds });
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const bare: Sample[] = [];
const kit: Sample[] = [];
for (let round = 1; round <= rounds; round++) {
  process.stderr.write(`round ${round}/${rounds}: bare Fastify…\n`);
  bare.push(await measure('bare-fastify.ts'));
  process.stderr.write(`round ${round}/${rounds}: kit service…\n`);
  kit.push(await measure('kit-service.ts'));
}

const summary = (samples: Sample[]) => ({
  rps: Math.round(median(samples.map((s) => s.rps))),
  p50: median(samples.map((s) => s.p50)),
  p99: median(samples.map((s) => s.p99)),
  failures: samples.reduce((n, s) => n + s.errors + s.non2xx, 0),
});
const b = summary(bare);
const k = summary(kit);
const ratio = k.rps / b.rps;
console.log(
  `bench:kit  ${rounds} rounds x ${seconds} s, ${connections} connections, median of rounds`,
);
console.log('                 req/s    p50 ms   p99 ms   failures');
console.log(
  `bare Fastify  ${String(b.rps).padStart(8)}  ${String(b.p50).padStart(8)} ${String(b.p99).padStart(8)}   ${b.failures}`,
);
console.log(
  `kit service   ${String(k.rps).padStart(8)}  ${String(k.p50).padStart(8)} ${String(k.p99).padStart(8)}   ${k.failures}`,
);
console.log(`throughput ratio kit/bare: ${ratio.toFixed(3)} (target >= 0.85)`);
