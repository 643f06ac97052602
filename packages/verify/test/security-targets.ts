import { createService, type Service, type ServiceOptions } from '@bulwark/kit';
import { addApiKey, emptyApiKeyDocument, generateApiKey } from '@bulwark/kit/api-keys';
import Fastify, { type FastifyInstance } from 'fastify';
import type { PlanService } from '../src/plan/schema.js';
import { tempFiles } from './tls-fixtures.js';

/**
 * The targets of the security checks' tests: real kit services in this process, configured with
 * the part under test (auth with an API key file, rate limits, TLS), and a bare Fastify app that
 * has none of it, the way a service looks before the kit.
 */

const QUIET = {
  version: '1.2.3',
  env: {},
  handleProcessSignals: false,
  logging: { level: 'silent' },
  shutdown: { drainDelayMs: 0 },
  // The test process itself stalls the event loop (module loading, other suites on two cores):
  // shedding would answer 503 to requests these tests are about.
  shedding: { enabled: false },
} as const;

export interface KitTarget {
  readonly service: Service;
  readonly url: string;
  stop(): Promise<void>;
}

type KitOptions = Omit<Partial<ServiceOptions>, 'name' | 'version'>;

/** A kit service with the reference API's resource, /v1/items (GET a list, POST an item). */
export async function startKitService(options: KitOptions = {}): Promise<KitTarget> {
  const service = createService({
    name: 'security-target',
    ...QUIET,
    ...options,
    http: { port: 0, ...options.http },
  } as ServiceOptions);
  service.app.get('/v1/items', async () => ({ items: [] }));
  service.app.post(
    '/v1/items',
    {
      schema: {
        body: {
          type: 'object',
          properties: { name: { type: 'string' } },
          required: ['name'],
          additionalProperties: false,
        },
      },
    },
    async (_request, reply) => reply.code(201).send({ id: 1 }),
  );
  await service.listen();
  return {
    service,
    url: `${service.scheme}://127.0.0.1:${service.port}`,
    stop: () => service.shutdown().then(() => undefined),
  };
}

export interface ApiKeyFiles {
  /** The `bulwark.api-keys/v1` document the service reads (hashes only). */
  readonly documentFile: string;
  /** A file holding the key text, as the plan's credentials.apiKeyFile names it. */
  readonly keyFile: string;
  /** A file holding a well-formed key the document does not know. */
  readonly unknownKeyFile: string;
  readonly key: string;
  readonly dir: string;
  remove(): void;
}

/** One API key for subject `verifier`, made with the kit's own key tooling (`bulwark api-keys`). */
export function apiKeyFiles(): ApiKeyFiles {
  const issued = addApiKey(emptyApiKeyDocument(), {
    subject: 'verifier',
    now: new Date(Date.now() - 60_000),
  });
  const files = tempFiles({
    'api-keys.json': JSON.stringify(issued.document),
    'verifier.key': `${issued.key}\n`,
    // Well formed, and in no document.
    'unknown.key': `${generateApiKey().text}\n`,
  });
  return {
    documentFile: `${files.dir}/api-keys.json`,
    keyFile: `${files.dir}/verifier.key`,
    unknownKeyFile: `${files.dir}/unknown.key`,
    key: issued.key,
    dir: files.dir,
    remove: files.remove,
  };
}

/** The auth section that makes every API route need one of the document's keys. */
export function requiredApiKeys(keys: ApiKeyFiles) {
  return { mode: 'required', apiKeys: { source: keys.documentFile, reloadIntervalMs: 0 } } as const;
}

export interface BareTarget {
  readonly app: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Fastify as it comes: no authentication, no security headers, no rate limits, its own error
 * bodies (`application/json` with the exception's message), and a route that throws the way a
 * bug does, with a secret in the message.
 */
export async function startBareFastify(
  setup: (app: FastifyInstance) => void = () => undefined,
): Promise<BareTarget> {
  const app = Fastify({ logger: false });
  app.get('/live', async () => ({ status: 'ok' }));
  app.get('/health', async () => ({ status: 'pass', components: [] }));
  app.get('/v1/items', async () => ({ items: [] }));
  app.post('/v1/items', async (_request, reply) => reply.code(201).send({ id: 1 }));
  app.get('/__bulwark/fault', async () => {
    throw new Error('deliberate fault: password=hunter2 at /srv/app/internal.js:1:1');
  });
  setup(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, stop: () => app.close() };
}

export function planService(url: string, extra: Partial<PlanService> = {}): PlanService {
  return { name: 'svc', url, kind: 'http', ...extra };
}
