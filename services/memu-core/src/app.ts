import { type Database, registerPoolMetrics } from '@bulwark/db';
import {
  createService,
  dependencyProbe,
  httpProbe,
  type Service,
  type ServiceOptions,
} from '@bulwark/kit';
import {
  createJobScheduler,
  type EmbeddingRouter,
  embeddingsFromEnv,
  type MemoryJobName,
  MemoryJobs,
  type MemoryJobsOptions,
  MemoryStore,
  registerMemoryMetrics,
} from '@bulwark/memory';
import { asConfigError } from './embeddings-config.js';
import { observeEmbeddings } from './embeddings-metrics.js';
import { LedgeredJobRunner } from './job-runner.js';
import { JobsMonitor } from './jobs-monitor.js';
import { LedgerRecorder, noRecorder } from './ledger-recorder.js';
import { registerEmbeddingRoutes } from './routes/embeddings.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerMemoryRoutes } from './routes/memories.js';
import { registerRetentionRoutes } from './routes/retention.js';

export const MEMU_CORE_VERSION = '0.1.0';

export interface MemuCoreOptions extends Partial<Omit<ServiceOptions, 'name' | 'version'>> {
  /** An opened, migrated database (migrateMemory); the service closes it on shutdown. */
  db: Database;
  /** The embeddings router; default: from the environment (GPU_ENABLED, BULWARK_EMBEDDINGS_*). */
  embeddings?: EmbeddingRouter;
  /** Base URL of the ledger service; every write, supersede and forget is recorded there first. */
  ledgerUrl?: string | undefined;
  /** The recall guard and compression settings of the jobs. */
  jobs?: MemoryJobsOptions;
  /** How often each job runs on its own (absent or 0: only on demand). */
  intervalsMs?: Partial<Record<MemoryJobName, number>>;
  /** PostgreSQL: the URL pg-boss keeps the schedule in (the database's own, with password). */
  connectionString?: string;
}

/** memu-core: agent memory on the kit, the store and the jobs of @bulwark/memory. */
export function buildMemuCore(options: MemuCoreOptions): Service {
  const {
    db,
    embeddings: given,
    ledgerUrl,
    jobs: jobOptions,
    intervalsMs,
    connectionString,
    ...rest
  } = options;
  const service = createService({ name: 'memu-core', version: MEMU_CORE_VERSION, ...rest });
  // Added first, so it closes last: after the scheduler and every request are done with it.
  service.resources.add('database', () => db.close());
  const embeddings = given ?? routerFromEnv(service, rest.env ?? process.env);
  const store = new MemoryStore(db, { embeddings });
  const registry = service.metrics.registry;
  registerPoolMetrics(registry, db);
  service.addReadinessProbe(
    dependencyProbe({ name: `memory-store-${db.kind}` }, () =>
      db.kysely.selectNoFrom((eb) => eb.val(1).as('one')).execute(),
    ),
  );

  let recorder = noRecorder;
  if (ledgerUrl) {
    recorder = new LedgerRecorder(service.http, ledgerUrl);
    service.addReadinessProbe(httpProbe(new URL('/ready', ledgerUrl), { name: 'ledger' }));
  }

  const jobs = new MemoryJobs(store, jobOptions);
  registerMemoryMetrics(registry, jobs);
  const monitor = new JobsMonitor(service, jobs);
  service.addReadinessProbe(monitor.probe());
  const runner = new LedgeredJobRunner(jobs, recorder, monitor, service.logger);
  const scheduler = createJobScheduler(db, {
    runner,
    intervalsMs: intervalsMs ?? {},
    ...(connectionString === undefined ? {} : { connectionString }),
    onError: (job, err) => service.logger.error({ err, job }, `scheduled memory ${job} failed`),
  });
  let started = false;
  service.onStartup('memory-jobs', async () => {
    await scheduler.start();
    started = true;
  });
  service.resources.add('memory-jobs', async () => {
    if (started) await scheduler.close();
  });

  observeEmbeddings(service, embeddings);
  registerMemoryRoutes(service, { store, embeddings, recorder });
  registerRetentionRoutes(service, store);
  registerJobRoutes(service, (job) => scheduler.runNow(job));
  registerEmbeddingRoutes(service, embeddings);
  return service;
}

/** The router from the environment, sending through the kit's resilient client. */
function routerFromEnv(service: Service, env: NodeJS.ProcessEnv): EmbeddingRouter {
  return asConfigError(() =>
    embeddingsFromEnv(env, {
      client: service.http,
      onGpuFailure: (err, during) =>
        service.logger.warn({ err, during }, 'GPU embeddings failed: the CPU endpoint serves'),
    }),
  );
}
