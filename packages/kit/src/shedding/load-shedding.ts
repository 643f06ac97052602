import type { Service } from '../service.js';
import { LoadShedder, type SheddingConfig } from './load-shedder.js';
import { type PressureSampler, runtimePressureSampler } from './pressure-sampler.js';
import { OverloadedError } from './shedding-errors.js';

export interface LoadSheddingOptions {
  /** Overrides `service.config.shedding` (tests install a second shedder with their own). */
  config?: SheddingConfig;
  /** Where the figures come from; the process' own event loop and heap by default. */
  sampler?: PressureSampler;
}

/**
 * Load shedding. Nothing is installed when `shedding.enabled` is false.
 *
 * An unref'd timer samples the event-loop delay and heap every `sampleIntervalMs` and decides
 * whether to shed; the onRequest hook (registered right after the kit's own, before security
 * headers, authentication and rate limiting, so a shed request costs as little as possible)
 * reads that one boolean. While shedding, every request but the contract's probes answers 503
 * problem+json with Retry-After, rather than queueing behind the work already in hand: /live,
 * /ready and /health keep answering, so an orchestrator sees a busy process, not a dead one.
 *
 * A long synchronous stall delays the sampling timer too; when the loop comes back, the overdue
 * timer runs in the timers phase, before the poll phase reads the requests that queued up
 * meanwhile, so those are the first to be shed.
 */
export function installLoadShedding(service: Service, options: LoadSheddingOptions = {}): void {
  const config = options.config ?? service.config.shedding;
  if (!config.enabled) return;
  const sampler = options.sampler ?? runtimePressureSampler();
  const shedder = new LoadShedder(config, service.metrics.registry, service.logger);
  const timer = setInterval(() => shedder.observe(sampler.sample()), config.sampleIntervalMs);
  timer.unref();
  service.resources.add('load-shedding', () => {
    clearInterval(timer);
    sampler.close();
  });
  service.addHealthReport('shedding', () => shedder.health());
  const { retryAfterSec } = config;
  service.app.addHook('onRequest', (request, reply, done) => {
    if (!shedder.shedding) return done();
    // Only read while shedding: routeOptions is a getter that allocates.
    if ((request.routeOptions.config as { bulwarkProbe?: boolean }).bulwarkProbe === true) {
      return done();
    }
    shedder.countShed();
    reply.header('retry-after', retryAfterSec);
    done(new OverloadedError(retryAfterSec));
  });
}
