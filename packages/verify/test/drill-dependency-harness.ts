import { fileURLToPath } from 'node:url';
import type { CheckOutcome } from '../src/checks/check.js';
import { startFixture } from './checks-harness.js';

/** processes/drill-dependency-service.ts: a kit service depending on one real server. */
export const DEPENDENCY_SERVICE = fileURLToPath(
  new URL('./processes/drill-dependency-service.ts', import.meta.url),
);

/** The fixture on `url`, its readiness probe run often enough for a drill measured in seconds. */
export const dependencyService = (
  kind: 'postgres' | 'redis' | 'nats',
  url: string,
  extra: Record<string, string> = {},
) =>
  startFixture(DEPENDENCY_SERVICE, {
    DRILL_DEPENDENCY: kind,
    DRILL_DEPENDENCY_URL: url,
    BULWARK_READINESS_INTERVAL_MS: '100',
    BULWARK_READINESS_TIMEOUT_MS: '500',
    ...extra,
  });

/** The readiness timeline's /ready statuses, in the order polled (0: no answer). */
export const readinessStatuses = (outcome: CheckOutcome): readonly number[] =>
  outcome.samples?.find((s) => s.unit === 'count' && s.name.includes('/ready status'))?.values ??
  [];
