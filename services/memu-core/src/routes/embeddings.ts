import type { Service } from '@bulwark/kit';
import { CanaryReport, type EmbeddingRouter } from '@bulwark/memory';
import { SCOPES } from './scopes.js';

/**
 * GET /v1/embeddings/canary: what the GPU canary measured (cosine similarity of the GPU and CPU
 * outputs, latency on each side, failures) and whether the GPU path may be promoted. `bulwark
 * verify` reads it as a check; with GPU_ENABLED=false it reports mode cpu-only and no figures.
 */
export function registerEmbeddingRoutes(service: Service, router: EmbeddingRouter): void {
  service.app.get(
    '/v1/embeddings/canary',
    {
      schema: {
        summary: 'The GPU embeddings canary: similarity, latency and the promotion verdict',
        tags: ['embeddings'],
        response: { 200: CanaryReport },
      },
      config: { auth: SCOPES.memoriesRead },
    },
    async () => router.canaryReport(),
  );
}
