import type { ChangeClass, ChangeLevel } from './model.js';

/**
 * The catalogue of change classes: every difference diffContracts reports is one of these. The
 * `request.*` classes judge what clients send (the new contract must accept all the old one
 * did), the `response.*` classes what clients read (the new contract must return nothing the
 * old one could not). Parameter schemas are judged as requests, response headers as responses.
 * docs/contracts.md lists this table; a test keeps one fixture pair per class.
 */
const CATALOGUE = [
  // Paths and operations.
  {
    id: 'path.removed',
    level: 'error',
    title: 'a path and all its operations removed',
    example: '`/v1/items/{id}` removed',
  },
  {
    id: 'path.added',
    level: 'info',
    title: 'a new path',
    example: '`/v1/orders` added',
  },
  {
    id: 'operation.removed',
    level: 'error',
    title: 'an operation (method) removed from a path that remains',
    example: 'DELETE /v1/items/{id} removed',
  },
  {
    id: 'operation.added',
    level: 'info',
    title: 'a new operation on a path',
    example: 'PATCH /v1/items/{id} added',
  },
  {
    id: 'operation.deprecated',
    level: 'warning',
    title: 'an operation marked deprecated',
    example: 'GET /v1/items: `deprecated: true`',
  },
  {
    id: 'operation.id.changed',
    level: 'warning',
    title: 'an operationId changed (generated clients rename the method)',
    example: 'GET /v1/items: operationId `listItems` → `getItems`',
  },
  {
    id: 'description.changed',
    level: 'info',
    title: 'summary, description or title text changed',
    example: 'GET /v1/items: summary reworded',
  },
  // Parameters.
  {
    id: 'parameter.removed',
    level: 'error',
    title: 'a parameter removed',
    example: 'GET /v1/items: query parameter `cursor` removed',
  },
  {
    id: 'parameter.became-required',
    level: 'error',
    title: 'an optional parameter became required',
    example: 'GET /v1/items: query parameter `limit` now required',
  },
  {
    id: 'parameter.added-required',
    level: 'error',
    title: 'a new required parameter',
    example: 'GET /v1/items: required header `X-Tenant` added',
  },
  {
    id: 'parameter.added-optional',
    level: 'info',
    title: 'a new optional parameter',
    example: 'GET /v1/items: optional query parameter `sort` added',
  },
  {
    id: 'parameter.moved',
    level: 'error',
    title: 'a parameter moved to another location (same name, different `in`)',
    example: 'GET /v1/items: `tenant` moved from query to header',
  },
  {
    id: 'parameter.serialization.changed',
    level: 'error',
    title: 'a parameter style, explode or allowReserved changed (clients encode it differently)',
    example: 'GET /v1/items: query parameter `ids` explode true → false',
  },
  {
    id: 'field.deprecated',
    level: 'info',
    title: 'a parameter or schema property marked deprecated',
    example: 'POST /v1/items: body field `note` deprecated',
  },
  // Request bodies and what clients send.
  {
    id: 'request.body.became-required',
    level: 'error',
    title: 'a request body became required, or a required one was added',
    example: 'POST /v1/items/{id}/archive: request body now required',
  },
  {
    id: 'request.body.removed',
    level: 'error',
    title: 'a request body removed (what clients send is no longer read)',
    example: 'POST /v1/items/{id}/archive: request body removed',
  },
  {
    id: 'request.content-type.removed',
    level: 'error',
    title: 'a request media type no longer accepted',
    example: 'POST /v1/items: `application/x-www-form-urlencoded` removed',
  },
  {
    id: 'request.content-type.added',
    level: 'info',
    title: 'a request media type added',
    example: 'POST /v1/items: `application/yaml` accepted',
  },
  {
    id: 'request.property.became-required',
    level: 'error',
    title: 'an optional field clients send became required',
    example: 'POST /v1/items: body field `name` now required',
  },
  {
    id: 'request.property.added-required',
    level: 'error',
    title: 'a new required field clients must send',
    example: 'POST /v1/items: required body field `owner` added',
  },
  {
    id: 'request.property.removed',
    level: 'error',
    title: 'a field clients may send removed (or made readOnly)',
    example: 'POST /v1/items: body field `note` removed',
  },
  {
    id: 'request.property.added-optional',
    level: 'info',
    title: 'a new optional field clients may send',
    example: 'POST /v1/items: optional body field `tags` added',
  },
  {
    id: 'request.type.narrowed',
    level: 'error',
    title:
      'a sent value accepts fewer types (incl. no longer nullable, a oneOf branch removed, string → oneOf of objects)',
    example: 'POST /v1/items: body field `price` number → integer',
  },
  {
    id: 'request.type.widened',
    level: 'info',
    title: 'a sent value accepts more types',
    example: 'POST /v1/items: body field `price` integer → number',
  },
  {
    id: 'request.enum.value-removed',
    level: 'error',
    title: 'an enum value clients may send removed (or an enum introduced)',
    example: 'POST /v1/items: body field `kind` no longer accepts `legacy`',
  },
  {
    id: 'request.enum.value-added',
    level: 'info',
    title: 'an enum value clients may send added',
    example: 'POST /v1/items: body field `kind` accepts `bundle`',
  },
  {
    id: 'request.format.changed',
    level: 'error',
    title: 'a format added to or changed on a sent value',
    example: 'POST /v1/items: body field `due` format date-time → date',
  },
  {
    id: 'request.maximum.reduced',
    level: 'error',
    title: 'maximum or exclusiveMaximum lowered or added on a sent value',
    example: 'GET /v1/items: query parameter `limit` maximum 100 → 50',
  },
  {
    id: 'request.max-length.reduced',
    level: 'error',
    title: 'maxLength lowered or added on a sent string',
    example: 'POST /v1/items: body field `name` maxLength 200 → 100',
  },
  {
    id: 'request.max-items.reduced',
    level: 'error',
    title: 'maxItems lowered or added on a sent array',
    example: 'POST /v1/items: body field `tags` maxItems 20 → 10',
  },
  {
    id: 'request.minimum.raised',
    level: 'error',
    title: 'minimum or exclusiveMinimum raised or added on a sent value',
    example: 'POST /v1/items: body field `quantity` minimum 0 → 1',
  },
  {
    id: 'request.min-length.raised',
    level: 'error',
    title: 'minLength raised or added on a sent string',
    example: 'POST /v1/items: body field `name` minLength 1 → 3',
  },
  {
    id: 'request.min-items.raised',
    level: 'error',
    title: 'minItems raised or added on a sent array',
    example: 'POST /v1/items: body field `tags` minItems 0 → 1',
  },
  {
    id: 'request.constraint.tightened',
    level: 'error',
    title:
      'another constraint on a sent value tightened (multipleOf, uniqueItems, min/maxProperties)',
    example: 'POST /v1/items: body field `tags` uniqueItems added',
  },
  {
    id: 'request.pattern.changed',
    level: 'warning',
    title: 'a pattern added to or changed on a sent string',
    example: 'POST /v1/items: body field `sku` pattern `^[A-Z]+$` → `^[A-Z]{3}$`',
  },
  {
    id: 'request.additional-properties.closed',
    level: 'error',
    title: 'additionalProperties or unevaluatedProperties became false on a sent object',
    example: 'POST /v1/items: request body no longer accepts unknown fields',
  },
  {
    id: 'request.default.changed',
    level: 'warning',
    title: 'the default of a sent value changed (clients that omit it get other behaviour)',
    example: 'GET /v1/items: query parameter `limit` default 20 → 50',
  },
  {
    id: 'request.constraint.relaxed',
    level: 'info',
    title: 'a sent value accepts more (a bound, length, format, pattern or requirement loosened)',
    example: 'POST /v1/items: body field `name` maxLength 100 → 200',
  },
  // Responses and what clients read.
  {
    id: 'response.status.removed',
    level: 'error',
    title: 'a documented response status removed',
    example: 'GET /v1/items/{id}: response 404 removed',
  },
  {
    id: 'response.status.added',
    level: 'info',
    title: 'a response status added',
    example: 'GET /v1/items/{id}: response 410 added',
  },
  {
    id: 'response.content-type.removed',
    level: 'error',
    title: 'a response media type removed',
    example: 'GET /v1/items: response 200 `text/csv` removed',
  },
  {
    id: 'response.content-type.added',
    level: 'info',
    title: 'a response media type added',
    example: 'GET /v1/items: response 200 `application/yaml` added',
  },
  {
    id: 'response.header.removed',
    level: 'error',
    title: 'a response header removed or no longer required',
    example: 'GET /v1/items: response 200 header `X-Next-Cursor` removed',
  },
  {
    id: 'response.header.added',
    level: 'info',
    title: 'a response header added',
    example: 'GET /v1/items: response 200 header `X-Total` added',
  },
  {
    id: 'response.property.removed',
    level: 'error',
    title: 'a field clients read removed (or made writeOnly)',
    example: 'GET /v1/items/{id}: response 200 field `createdAt` removed',
  },
  {
    id: 'response.property.became-optional',
    level: 'error',
    title: 'a required field clients read became optional',
    example: 'GET /v1/items/{id}: response 200 field `owner` no longer required',
  },
  {
    id: 'response.property.added',
    level: 'info',
    title: 'a field added to a response',
    example: 'GET /v1/items/{id}: response 200 field `updatedAt` added',
  },
  {
    id: 'response.type.widened',
    level: 'error',
    title:
      'a returned value may have more types (incl. becoming nullable, a oneOf branch added, string → oneOf of objects)',
    example: 'GET /v1/items/{id}: response 200 field `owner` may be null',
  },
  {
    id: 'response.type.narrowed',
    level: 'info',
    title: 'a returned value has fewer types',
    example: 'GET /v1/items/{id}: response 200 field `price` number → integer',
  },
  {
    id: 'response.enum.value-added',
    level: 'warning',
    title: 'a returned enum may hold a new value (or its enum was removed)',
    example: 'GET /v1/items/{id}: response 200 field `status` may be `archived`',
  },
  {
    id: 'response.enum.value-removed',
    level: 'info',
    title: 'a returned enum value removed',
    example: 'GET /v1/items/{id}: response 200 field `status` no longer `legacy`',
  },
  {
    id: 'response.constraint.relaxed',
    level: 'warning',
    title: 'a returned value may exceed an old bound, length, format, pattern or closed object',
    example: 'GET /v1/items/{id}: response 200 field `name` maxLength 100 → 200',
  },
  {
    id: 'response.constraint.tightened',
    level: 'info',
    title: 'a returned value is constrained more (incl. optional field became required)',
    example: 'GET /v1/items/{id}: response 200 field `name` maxLength 200 → 100',
  },
  // Schema composition.
  {
    id: 'schema.composition.changed',
    level: 'warning',
    title:
      'oneOf/anyOf/not/discriminator changed in a way that cannot be matched, with no breaking type change',
    example: 'POST /v1/items: request body became `oneOf` of two schemas',
  },
  // Security.
  {
    id: 'security.requirement.added',
    level: 'error',
    title: 'an operation requires a security scheme its clients did not need',
    example: 'GET /v1/items: now requires `bearer` (was anonymous)',
  },
  {
    id: 'security.requirement.removed',
    level: 'info',
    title: 'a security requirement removed, or another way to authenticate accepted',
    example: 'GET /v1/items: `apiKey` no longer required',
  },
  {
    id: 'security.scope.added',
    level: 'error',
    title: 'a scheme already required now requires more scopes',
    example: 'DELETE /v1/items/{id}: `oauth` scope `items:admin` required',
  },
  {
    id: 'security.scope.removed',
    level: 'info',
    title: 'a scheme requires fewer scopes',
    example: 'GET /v1/items: `oauth` scope `items:read` no longer required',
  },
  {
    id: 'security.scheme.changed',
    level: 'error',
    title: 'a security scheme in use changed (type, header name, location, HTTP scheme, flow)',
    example: '`apiKey` header `X-Api-Key` → `Authorization`',
  },
] as const satisfies readonly ChangeClass[];

export type ChangeClassId = (typeof CATALOGUE)[number]['id'];

export const CHANGE_CLASSES: readonly ChangeClass[] = CATALOGUE;

const BY_ID: ReadonlyMap<string, ChangeClass> = new Map(CATALOGUE.map((c) => [c.id, c]));

/** The catalogue entry of a class id, or undefined for an id the catalogue lacks. */
export function changeClass(id: string): ChangeClass | undefined {
  return BY_ID.get(id);
}

/** The default level of a class the catalogue holds. */
export function defaultLevel(id: ChangeClassId): ChangeLevel {
  return (BY_ID.get(id) as ChangeClass).level;
}
