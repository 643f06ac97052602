import type { Database } from '@bulwark/db';
import { afterAll, beforeAll } from 'vitest';
import { EmbeddedConfigTransport, HttpConfigTransport } from '../src/index.js';
import {
  type EmbeddedRegistry,
  memoryDatabase,
  startEmbeddedRegistry,
} from './fixtures/embedded-registry.js';
import { SplitTransport } from './fixtures/split-transport.js';
import { transportConformance } from './transport-conformance.js';

/**
 * The embedded default (no NATS_URL, no PostgreSQL): the registry's log in an in-memory PGlite,
 * served by a real kit service on a real port. Twice: every side in the registry's process
 * (EmbeddedConfigTransport alone), and the consumer side across HTTP (HttpConfigTransport
 * against the routes) with the registry side in process.
 */
let db: Database;
let registry: EmbeddedRegistry;
beforeAll(async () => {
  db = await memoryDatabase();
  registry = await startEmbeddedRegistry(db, { heartbeatMs: 1_000, retryDelayMs: 100 });
});
afterAll(async () => {
  await registry?.close();
  await db?.close();
});

transportConformance('EmbeddedConfigTransport (in the registry process)', {
  open: async (options) =>
    new EmbeddedConfigTransport(registry.log, {
      retryDelayMs: 100,
      ...(options?.onError === undefined ? {} : { onError: options.onError }),
    }),
});

transportConformance('HttpConfigTransport (consumers in other processes)', {
  open: async (options) => {
    const onError = options?.onError === undefined ? {} : { onError: options.onError };
    const registrySide = new EmbeddedConfigTransport(registry.log, {
      retryDelayMs: 100,
      ...onError,
    });
    const consumerSide = await HttpConfigTransport.connect({
      url: registry.base,
      idleTimeoutMs: 5_000,
      ...onError,
    });
    return new SplitTransport(registrySide, consumerSide);
  },
});
