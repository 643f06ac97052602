import { Gauge, type Registry } from 'prom-client';
import type { Database } from './database.js';

/**
 * Pool gauges, labelled database=<name>, read from the pool when the registry is scraped:
 *   bulwark_db_pool_max, bulwark_db_pool_connections{state="in_use"|"idle"}, bulwark_db_pool_waiting.
 * Several databases may register on one registry: the gauges are shared, one label each.
 */
export function registerPoolMetrics(registry: Registry, db: Database): void {
  const sources = sourcesOf(registry);
  sources.set(db.name, db);
  if (sources.size > 1) return; // gauges already registered; they read every source

  const each = (read: (db: Database) => void) => {
    for (const source of sources.values()) read(source);
  };
  new Gauge({
    name: 'bulwark_db_pool_max',
    help: 'Most connections the database pool may open (1 for PGlite).',
    labelNames: ['database'],
    registers: [registry],
    collect() {
      this.reset();
      each((d) => this.set({ database: d.name }, d.poolStats().max));
    },
  });
  new Gauge({
    name: 'bulwark_db_pool_connections',
    help: 'Open connections of the database pool, by state.',
    labelNames: ['database', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      each((d) => {
        const s = d.poolStats();
        this.set({ database: d.name, state: 'in_use' }, s.inUse);
        this.set({ database: d.name, state: 'idle' }, s.idle);
      });
    },
  });
  new Gauge({
    name: 'bulwark_db_pool_waiting',
    help: 'Callers waiting for a connection of the database pool.',
    labelNames: ['database'],
    registers: [registry],
    collect() {
      this.reset();
      each((d) => this.set({ database: d.name }, d.poolStats().waiting));
    },
  });
}

const registrySources = new WeakMap<Registry, Map<string, Database>>();

function sourcesOf(registry: Registry): Map<string, Database> {
  let sources = registrySources.get(registry);
  if (!sources) {
    sources = new Map();
    registrySources.set(registry, sources);
  }
  return sources;
}
