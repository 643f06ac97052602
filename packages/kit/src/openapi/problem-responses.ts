import { STATUS_CODES } from 'node:http';
import { Type } from '@sinclair/typebox';
import { PROBLEM_CONTENT_TYPE } from '../http/problem.js';
import { KIT_ERROR_CATALOGUE, type KitErrorOccasion } from './kit-error-catalogue.js';

/** The component every error response refers to: `#/components/schemas/Problem`. */
export const PROBLEM_COMPONENT = 'Problem';

const FieldProblemSchema = Type.Object({
  detail: Type.String({ description: 'Why the field failed.' }),
  pointer: Type.Optional(
    Type.String({
      description: 'For body fields: a JSON Pointer into the body, as a URI fragment.',
    }),
  ),
  parameter: Type.Optional(
    Type.String({ description: 'For query-string and path parameters: its name.' }),
  ),
  header: Type.Optional(Type.String({ description: 'For headers: its name.' })),
});

/**
 * RFC 9457 problem details as the kit writes them (http/problem.ts, ProblemDetails), plus the
 * fields that find the matching log line. Other members may be added (RFC 9457 §3.2): clients
 * ignore what they do not know.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      format: 'uri-reference',
      description: 'The problem type: urn:bulwark:problem: and the code in lower case.',
    }),
    title: Type.String({ description: "The status code's reason phrase." }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'What went wrong, for people.' }),
    instance: Type.Optional(Type.String({ description: 'The request path.' })),
    code: Type.String({ description: 'A stable code to branch on, such as BW_VALIDATION.' }),
    errorId: Type.String({
      format: 'uuid',
      description: "This answer's id, also in the service's log line about it.",
    }),
    requestId: Type.String({ description: "The request's id, also in the x-request-id header." }),
    errors: Type.Optional(
      Type.Array(FieldProblemSchema, {
        description: 'For validation errors: each field that failed.',
      }),
    ),
  },
  { description: 'RFC 9457 problem details.' },
);

/** Response headers some refusals carry, documented with them. */
const RESPONSE_HEADERS: Readonly<Record<number, Record<string, object>>> = {
  401: {
    'www-authenticate': Type.String({
      description: 'The authentication schemes this service takes (RFC 9110 §11.6.1).',
    }),
  },
  429: {
    'retry-after': Type.Integer({ minimum: 1, description: 'Seconds to wait before retrying.' }),
  },
  503: {
    'retry-after': Type.Integer({
      minimum: 1,
      description: 'Seconds to wait before retrying, when the service is shedding load.',
    }),
  },
};

const PROBLEM_REFERENCE = { $ref: `#/components/schemas/${PROBLEM_COMPONENT}` } as const;

/**
 * A route's own error response whose problem+json body is `ProblemSchema` itself (a refusal the
 * route's code throws, a 409 say), pointed at the shared component instead of a copy of it.
 */
export function referToProblemComponent(response: unknown): unknown {
  const content = (response as { content?: Record<string, { schema?: unknown }> } | undefined)
    ?.content;
  const problem = content?.[PROBLEM_CONTENT_TYPE];
  if (problem?.schema !== ProblemSchema) return response;
  return {
    ...(response as object),
    content: { ...content, [PROBLEM_CONTENT_TYPE]: { ...problem, schema: PROBLEM_REFERENCE } },
  };
}

/** One error response of an operation, in the shape @fastify/swagger reads from a route schema. */
export interface ProblemResponse {
  readonly description: string;
  readonly headers?: Record<string, object>;
  readonly content: Record<string, { readonly schema: { readonly $ref: string } }>;
}

/**
 * The problem+json responses the kit can give an operation, by status, from the catalogue
 * entries whose occasion applies to it. Each description names the codes that can come with
 * the status and when, so a client knows what to branch on.
 */
export function problemResponses(
  occasions: ReadonlySet<KitErrorOccasion>,
): Record<string, ProblemResponse> {
  const byStatus = new Map<number, string[]>();
  for (const entry of KIT_ERROR_CATALOGUE) {
    if (!occasions.has(entry.occasion)) continue;
    const lines = byStatus.get(entry.status) ?? [];
    lines.push(`\`${entry.code}\`: ${entry.meaning}`);
    byStatus.set(entry.status, lines);
  }
  const responses: Record<string, ProblemResponse> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const lines = byStatus.get(status) as string[];
    const headers = RESPONSE_HEADERS[status];
    responses[String(status)] = {
      description: `${STATUS_CODES[status]}. ${lines.join('; ')}.`,
      ...(headers ? { headers } : {}),
      content: {
        [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REFERENCE },
      },
    };
  }
  return responses;
}
