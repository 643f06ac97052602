/**
 * bench:items: core-api's item routes on a real store, with the read-through cache warm and
 * with nearly every read a miss, measured in the same run on the same database.
 *
 *   npx tsx --conditions=@bulwark/source bench/items.ts [--database memory://|DIR|postgres://…]
 *       [--redis redis://…] [--items 1000] [--seconds 5] [--connections 16]
 *
 * Scenarios, each against the same N items: `get, cache warm` (random ids, every one read once
 * before, so the cache answers), `get, 1 ms TTL` (a second core-api on the same database whose
 * cached entries live 1 ms: nearly every read is a lookup, a SELECT and a fill), `put` (replace
 * random items, without a ledger: existence check, fence, UPDATE, release). core-api runs in this
 * process and autocannon drives it from here too: the figures compare scenarios, they are not
 * the service's ceiling. Printed: req/s, p50 and p99 latency, non-2xx answers, and the cache's
 * hits and misses in that scenario (from /metrics).
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { migrateToLatest, openDatabase } from '@bulwark/db';
import type { Service } from '@bulwark/kit';
import autocannon from 'autocannon';
import { request } from 'undici';
import { buildCoreApi, coreApiMigrations } from '../services/core-api/src/index.js';

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'memory://' },
    redis: { type: 'string' },
    items: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
  },
});
const count = Number(values.items);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
if (![count, seconds, connections].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write(
    'bench:items: --items, --seconds and --connections take positive integers\n',
  );
  process.exit(2);
}

// One database for both services (PGlite in memory is one process's: it must be shared, not
// opened twice).
const database = await openDatabase({ url: values.database, name: 'core-api' });
await migrateToLatest(database, coreApiMigrations());
/**
 * The 1 ms TTL service must not read the warm service's entries: with Redis it gets a keyspace
 * of its own (database 15 of the same server), as two caches in one process map do.
 */
function ownKeyspace(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const own = new URL(url);
  own.pathname = '/15';
  return own.toString();
}
async function start(ttlMs?: number): Promise<{ service: Service; base: string }> {
  const service = buildCoreApi({
    env: {},
    handleProcessSignals: false,
    http: { port: 0 },
    logging: { level: 'silent' },
    shutdown: { drainDelayMs: 0 },
    database,
    itemCache: {
      redisUrl: ttlMs ? ownKeyspace(values.redis) : values.redis,
      ...(ttlMs ? { ttlMs } : {}),
    },
  });
  await service.listen();
  return { service, base: `http://127.0.0.1:${service.port}` };
}
const cached = await start();
const missing = await start(1);
const base = cached.base;

async function send(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  const response = await request(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${response.statusCode}`);
  return JSON.parse(text) as { id: string };
}

async function cacheCounts(at: string): Promise<{ hit: number; miss: number }> {
  const text = await (await request(`${at}/metrics`)).body.text();
  const read = (result: string) =>
    Number(
      new RegExp(`bulwark_cache_requests_total\\{cache="items",result="${result}"\\} (\\d+)`).exec(
        text,
      )?.[1] ?? 0,
    );
  return { hit: read('hit'), miss: read('miss') };
}

const ids: string[] = [];
for (let i = 0; i < count; i++)
  ids.push((await send('POST', '/v1/items', { name: `item-${i}`, quantity: i })).id);
const randomId = () => ids[randomInt(ids.length)]!;

interface Row {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  hits: number;
  misses: number;
}

async function run(
  scenario: string,
  method: 'GET' | 'PUT',
  at: string,
  prepare: () => Promise<void>,
): Promise<Row> {
  await prepare();
  const before = await cacheCounts(at);
  const result = await autocannon({
    url: at,
    connections,
    duration: seconds,
    requests: [
      {
        method,
        setupRequest: (req) => ({
          ...req,
          path: `/v1/items/${randomId()}`,
          ...(method === 'PUT'
            ? {
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ name: 'bench', quantity: randomInt(1_000) }),
              }
            : {}),
        }),
      },
    ],
  });
  const after = await cacheCounts(at);
  return {
    scenario,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    hits: after.hit - before.hit,
    misses: after.miss - before.miss,
  };
}

const warm = async () => {
  for (const id of ids) await send('GET', `/v1/items/${id}`);
};
const rows: Row[] = [];
try {
  rows.push(await run('get, cache warm', 'GET', cached.base, warm));
  rows.push(await run('get, 1 ms TTL', 'GET', missing.base, async () => undefined));
  rows.push(await run('put', 'PUT', cached.base, async () => undefined));
} finally {
  await cached.service.shutdown();
  await missing.service.shutdown();
  await database.close();
}

const cache = values.redis ? 'redis' : 'memory';
process.stdout.write(
  `core-api items: ${count} items, database ${values.database}, cache ${cache}, ${connections} connections, ${seconds} s each\n`,
);
process.stdout.write(
  `${'scenario'.padEnd(18)}${'req/s'.padStart(9)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'non-2xx'.padStart(9)}${'hits'.padStart(9)}${'misses'.padStart(9)}\n`,
);
for (const row of rows) {
  process.stdout.write(
    `${row.scenario.padEnd(18)}${String(Math.round(row.rps)).padStart(9)}${String(row.p50).padStart(8)}${String(row.p99).padStart(8)}${String(row.non2xx).padStart(9)}${String(row.hits).padStart(9)}${String(row.misses).padStart(9)}\n`,
  );
}
// The figure: what the cache buys, as a ratio against the uncached path measured in this run.
const [hit, miss] = rows;
if (hit && miss && miss.rps > 0) {
  process.stdout.write(
    `cache warm / 1 ms TTL: ${(hit.rps / miss.rps).toFixed(1)}x req/s, p99 ${hit.p99} vs ${miss.p99} ms\n`,
  );
}
