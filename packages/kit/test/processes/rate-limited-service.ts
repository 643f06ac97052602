/**
 * A kit service with rate limiting on, run as a real process by the rate-limit tests: two of
 * these sharing one Redis (REDIS_URL) must enforce one combined limit. The rule comes from
 * TEST_RL_POINTS and TEST_RL_WINDOW_MS, keyed by route only so that every caller shares it.
 */
import { createService, runService } from '../../src/index.js';

await runService(() => {
  const service = createService({
    name: process.env.TEST_SERVICE_NAME ?? 'rate-limited-service',
    version: '1.0.0',
    shedding: { enabled: false },
    rateLimit: {
      enabled: true,
      rules: [
        {
          name: 'route',
          by: ['route'],
          points: Number(process.env.TEST_RL_POINTS ?? 20),
          windowMs: Number(process.env.TEST_RL_WINDOW_MS ?? 10_000),
        },
      ],
      storeTimeoutMs: Number(process.env.TEST_RL_STORE_TIMEOUT_MS ?? 200),
    },
  });
  service.app.get('/v1/limited', async () => ({ ok: true }));
  return service;
});
