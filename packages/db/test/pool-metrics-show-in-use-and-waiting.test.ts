import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, expect, it } from 'vitest';
import { openDatabase, registerPoolMetrics } from '../src/index.js';
import { freshDatabaseUrl, postgresPart, stopPrivatePostgres } from './helpers/stores.js';

afterAll(stopPrivatePostgres);

async function gauges(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const labels = Object.entries(value.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      out[`${metric.name}{${labels}}`] = value.value;
    }
  }
  return out;
}

it.skipIf(!postgresPart.available)(
  'a busy PostgreSQL pool shows its in-use and waiting counts on scrape',
  async () => {
    const db = await openDatabase({
      url: await freshDatabaseUrl('postgres'),
      name: 'busy',
      pool: { max: 2 },
    });
    const registry = new Registry();
    registerPoolMetrics(registry, db);
    try {
      const sleeps = Array.from({ length: 5 }, () => sql`select pg_sleep(0.6)`.execute(db.kysely));
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await gauges(registry)).toMatchObject({
        'bulwark_db_pool_max{database=busy}': 2,
        'bulwark_db_pool_connections{database=busy,state=in_use}': 2,
        'bulwark_db_pool_waiting{database=busy}': 3,
      });
      await Promise.all(sleeps);
      expect(await gauges(registry)).toMatchObject({
        'bulwark_db_pool_connections{database=busy,state=in_use}': 0,
        'bulwark_db_pool_connections{database=busy,state=idle}': 2,
        'bulwark_db_pool_waiting{database=busy}': 0,
      });
    } finally {
      await db.close();
    }
  },
);

it('PGlite is one connection: a transaction holds it and the next caller waits', async () => {
  const db = await openDatabase({ url: 'memory://', name: 'embedded' });
  const other = await openDatabase({ url: 'memory://', name: 'other' });
  const registry = new Registry();
  registerPoolMetrics(registry, db);
  registerPoolMetrics(registry, other);
  try {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const order: string[] = [];
    const tx = db.kysely.transaction().execute(async (trx) => {
      await sql`create table t (n int)`.execute(trx);
      entered();
      await gate;
      await sql`insert into t values (1)`.execute(trx);
      order.push('transaction');
    });
    await inside;
    const reader = sql<{ n: string }>`select count(*) as n from t`.execute(db.kysely).then((r) => {
      order.push('reader');
      return r.rows[0]?.n;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await gauges(registry)).toMatchObject({
      'bulwark_db_pool_max{database=embedded}': 1,
      'bulwark_db_pool_connections{database=embedded,state=in_use}': 1,
      'bulwark_db_pool_waiting{database=embedded}': 1,
      'bulwark_db_pool_connections{database=other,state=in_use}': 0,
      'bulwark_db_pool_connections{database=other,state=idle}': 1,
    });
    release();
    await tx;
    // The reader ran after the commit, so it saw the row (and bigint arrives as text, as on pg).
    expect(await reader).toBe('1');
    expect(order).toEqual(['transaction', 'reader']);
    expect(db.poolStats()).toEqual({ max: 1, size: 1, inUse: 0, idle: 1, waiting: 0 });
  } finally {
    await db.close();
    await other.close();
  }
});
