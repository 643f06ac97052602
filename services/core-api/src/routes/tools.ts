import { createHash } from 'node:crypto';
import type { ToolGateClient } from '@bulwark/gate';
import { ForbiddenError, type Service } from '@bulwark/kit';
import { type Static, Type } from '@sinclair/typebox';
import type { AuditTrail } from '../audit.js';
import type { CoreApiEgressGuard } from '../egress.js';
import { actorOf, SCOPES } from './scopes.js';

const FetchBody = Type.Object(
  { url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }) },
  { additionalProperties: false },
);

/** The fetch tool proves it ran; it is no download service. Past this: 502 BW_RESPONSE_TOO_LARGE. */
const MAX_FETCH_BYTES = 1_048_576;

const FetchReply = Type.Object({
  decisionId: Type.String(),
  mode: Type.String(),
  status: Type.Integer(),
  bytes: Type.Integer(),
  sha256: Type.String(),
});

/**
 * POST /v1/tools/fetch: a tool action (tool `web`, action `fetch`), run only when the tool gate
 * allows it. The gate is asked first, and its decision is in the ledger before anything leaves
 * this process; a deny (or approval-required) answers 403 with the gate's reason and decision
 * id. The fetch itself goes through the kit's outbound client, which the in-process egress
 * guard watches: a destination outside the mode's allow-list fails there too, even when a rule
 * let the action through.
 */
export function registerToolRoutes(
  service: Service,
  gate: Pick<ToolGateClient, 'decide'>,
  audit: AuditTrail,
  egress?: Pick<CoreApiEgressGuard, 'follow'>,
) {
  service.app.post<{ Body: Static<typeof FetchBody> }>(
    '/v1/tools/fetch',
    {
      schema: {
        summary: 'Fetch a URL as a tool action',
        description:
          'Asks the tool gate first (tool web, action fetch); a deny answers 403 with its reason.',
        tags: ['tools'],
        body: FetchBody,
        response: { 200: FetchReply },
      },
      config: { auth: SCOPES.toolsFetch },
    },
    async (request) => {
      const { url } = request.body;
      const actor = actorOf(request);
      const decision = await gate.decide({
        tool: 'web',
        action: 'fetch',
        subject: actor,
        resource: url,
      });
      if (!decision.allow) {
        throw new ForbiddenError(
          `the tool gate denied web.fetch in mode ${decision.mode} (decision ${decision.id}): ${decision.reason}`,
        );
      }
      await audit.record({
        kind: 'tool.web.fetch',
        actor,
        payload: { url, decisionId: decision.id, mode: decision.mode },
      });
      // The egress guard judges by its copy of the gate's policy: make it the decision's mode.
      await egress?.follow(decision);
      const response = await service.http.request(url, {
        timeoutMs: 5_000,
        maxBodyBytes: MAX_FETCH_BYTES,
      });
      const body = Buffer.from(await response.text(), 'utf8');
      return {
        decisionId: decision.id,
        mode: decision.mode,
        status: response.statusCode,
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
      };
    },
  );
}
