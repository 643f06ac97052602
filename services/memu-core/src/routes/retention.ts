import type { Service } from '@bulwark/kit';
import type { MemoryStore } from '@bulwark/memory';
import { RetentionPolicyNotFoundError } from '../errors.js';
import { translateStoreErrors } from '../store-errors.js';
import { NamespaceParams, problem, RetentionPolicy, RetentionPolicyBody } from './schemas.js';
import { SCOPES } from './scopes.js';

/** /v1/namespaces/{ns}/retention: the retention policy the retention job applies. */
export function registerRetentionRoutes(service: Service, store: MemoryStore): void {
  const { app } = service;

  app.put<{ Params: NamespaceParams; Body: RetentionPolicyBody }>(
    '/v1/namespaces/:ns/retention',
    {
      schema: {
        summary: "Set a namespace's retention policy",
        description:
          'A maximum age, a maximum count and a legal hold. The retention job applies it (scheduled, or POST /v1/jobs/retention/run); a legal hold also refuses DELETE /v1/memories/{id}.',
        tags: ['retention'],
        params: NamespaceParams,
        body: RetentionPolicyBody,
        response: { 200: RetentionPolicy },
      },
      config: { auth: SCOPES.memoriesWrite },
    },
    async (request) => {
      const { maxAgeMs, maxCount, legalHold } = request.body;
      const policy = { namespace: request.params.ns, maxAgeMs, maxCount, legalHold };
      await translateStoreErrors(() => store.setRetentionPolicy(policy));
      return policy;
    },
  );

  app.get<{ Params: NamespaceParams }>(
    '/v1/namespaces/:ns/retention',
    {
      schema: {
        summary: "Get a namespace's retention policy",
        tags: ['retention'],
        params: NamespaceParams,
        response: {
          200: RetentionPolicy,
          404: problem(
            'Not Found. `MEMU_NO_RETENTION_POLICY`: the namespace has no retention policy.',
          ),
        },
      },
      config: { auth: SCOPES.memoriesRead },
    },
    async (request) => {
      const policies = await store.retentionPolicies();
      const policy = policies.find((p) => p.namespace === request.params.ns);
      if (!policy) {
        throw new RetentionPolicyNotFoundError(
          `namespace ${request.params.ns} has no retention policy`,
        );
      }
      return policy;
    },
  );
}
