import { Type } from '@sinclair/typebox';

/** The request a load drives: shared by drill.load and drill.soak's parameters. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const RequestPath = Type.String({
  pattern: '^/',
  maxLength: 2000,
  description: "appended to the service's base URL path",
});
export const RequestMethod = Type.Union(
  HTTP_METHODS.map((m) => Type.Literal(m)),
  { default: 'GET' },
);
/** A string is sent as it is; anything else as JSON (with content-type application/json). */
export const RequestBody = Type.Union([
  Type.String({ maxLength: 1_048_576 }),
  Type.Record(Type.String(), Type.Unknown()),
  Type.Array(Type.Unknown()),
]);
export const RequestHeaders = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9-]+$' }),
  Type.String(),
);

export interface EncodedRequest {
  readonly body?: string;
  readonly headers: Record<string, string>;
}

/** The body as bytes on the wire and the headers that go with it. */
export function encodeRequest(
  body: unknown,
  headers: Readonly<Record<string, string>> | undefined,
): EncodedRequest {
  const lower = Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  if (body === undefined) return { headers: lower };
  if (typeof body === 'string') return { body, headers: lower };
  return {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...lower },
  };
}
