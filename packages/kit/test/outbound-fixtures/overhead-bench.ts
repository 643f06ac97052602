/**
 * The per-call cost of the outbound policies, measured by hand (not part of the suite):
 *
 *   npx tsx packages/kit/test/outbound-fixtures/overhead-bench.ts
 *
 * 1. 5,000 sequential GETs to a local upstream through a plain client and through one with the
 *    service's default policies, alternating, best of five rounds: wall time and process CPU
 *    per call (the upstream runs in this process too, so both sides are counted).
 * 2. The policies alone, around an attempt that answers at once (and ends its deadline, as the
 *    client does when the body closes): what they add per call.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config.js';
import { HttpClient } from '../../src/http/client.js';
import { OutboundPolicies } from '../../src/resilience/outbound-policies.js';
import { Tracing } from '../../src/tracing/tracing.js';

const CALLS = 5_000;
const ROUNDS = 5;

const server = createServer((_request, response) => response.end('ok'));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
const tracing = new Tracing({
  service: 'bench',
  version: '0',
  sampleRatio: Number(process.env.RATIO ?? 1),
});
const config = loadConfig({ name: 'bench', version: '1' }, {});
const clients: Record<string, HttpClient> = {
  plain: new HttpClient(tracing),
  policies: new HttpClient(tracing, { policies: config.outbound, registry: new Registry() }),
};

const best: Record<string, { wall: number; cpu: number }> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, client] of Object.entries(clients)) {
    for (let i = 0; i < 500; i++) await (await client.request(url)).text();
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) await (await client.request(url)).text();
    const wall = Number(process.hrtime.bigint() - started) / 1e3 / CALLS;
    const used = process.cpuUsage(cpuBefore);
    const cpu = (used.user + used.system) / CALLS;
    const previous = best[name];
    best[name] = {
      wall: Math.min(previous?.wall ?? Number.POSITIVE_INFINITY, wall),
      cpu: Math.min(previous?.cpu ?? Number.POSITIVE_INFINITY, cpu),
    };
  }
}
for (const [name, figures] of Object.entries(best)) {
  console.log(
    `${name.padEnd(9)} ${CALLS} GETs: ${figures.wall.toFixed(0)} µs wall, ${figures.cpu.toFixed(0)} µs CPU per call (best of ${ROUNDS})`,
  );
}
for (const client of Object.values(clients)) await client.close();
server.close();

const policies = new OutboundPolicies(config.outbound, new Registry());
const answer = { statusCode: 200, headers: {}, body: { dump: async () => undefined } };
const call = {
  upstream: 'http://127.0.0.1:1',
  retryable: true,
  timeoutMs: 10_000,
  signal: undefined,
};
let fastest = Number.POSITIVE_INFINITY;
for (let round = 0; round < ROUNDS; round++) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < 100_000; i++)
    await policies.send(call, async (_resend, deadline) => {
      deadline.end();
      return answer;
    });
  fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e3 / 100_000);
}
console.log(`policies alone: ${fastest.toFixed(2)} µs per call (best of ${ROUNDS} × 100,000)`);
policies.close();
