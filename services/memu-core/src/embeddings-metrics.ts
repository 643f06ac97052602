import type { Service } from '@bulwark/kit';
import type { EmbeddingRouter } from '@bulwark/memory';
import { Gauge } from 'prom-client';

/**
 * The embeddings router's counters and the canary's figures as metrics, read from the router on
 * each scrape (the router keeps them; gauges collected on scrape cannot drift from it), and its
 * status as a /health section.
 */
export function observeEmbeddings(service: Service, router: EmbeddingRouter): void {
  const registers = [service.metrics.registry];
  new Gauge({
    name: 'bulwark_embeddings_requests_served',
    help: 'Embedding requests served by each side since start (a GPU fallback counts as cpu).',
    labelNames: ['side'],
    registers,
    collect() {
      const { served } = router.status();
      this.set({ side: 'cpu' }, served.cpu);
      this.set({ side: 'gpu' }, served.gpu);
    },
  });
  new Gauge({
    name: 'bulwark_embeddings_gpu_fallbacks',
    help: 'GPU requests served by the CPU endpoint instead, by why (failed, cooling_down, absent).',
    labelNames: ['reason'],
    registers,
    collect() {
      const { fallbacks } = router.status();
      this.set({ reason: 'failed' }, fallbacks.failed);
      this.set({ reason: 'cooling_down' }, fallbacks.coolingDown);
      this.set({ reason: 'absent' }, fallbacks.absent);
    },
  });
  new Gauge({
    name: 'bulwark_embeddings_canary_cosine_mean',
    help: 'Mean cosine similarity of GPU and CPU vectors the canary compared (NaN: none yet).',
    registers,
    collect() {
      this.set(router.canaryReport().cosine.mean ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'bulwark_embeddings_canary_samples',
    help: 'Vectors the canary compared since start.',
    registers,
    collect() {
      this.set(router.canaryReport().samples);
    },
  });
  new Gauge({
    name: 'bulwark_embeddings_canary_promotable',
    help: '1 when every canary threshold is met (the GPU path may be promoted), else 0.',
    registers,
    collect() {
      this.set(router.canaryReport().promotable ? 1 : 0);
    },
  });
  service.addHealthReport('embeddings', () => {
    const status = router.status();
    const canary = router.canaryReport();
    return {
      // A GPU failing is not a failure of the service: the CPU endpoint serves meanwhile.
      status: status.gpuCoolingDownUntil === null ? 'pass' : 'warn',
      mode: status.mode,
      served: status.served,
      fallbacks: status.fallbacks,
      gpuCoolingDownUntil: status.gpuCoolingDownUntil,
      canary: {
        samples: canary.samples,
        cosineMean: canary.cosine.mean,
        promotable: canary.promotable,
      },
    };
  });
}
