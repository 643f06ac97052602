import { NotFoundError, type Service } from '@bulwark/kit';
import { Type } from '@sinclair/typebox';
import type { AuditTrail } from '../audit.js';
import { Item, NewItem } from '../items.js';
import type { ReadThroughItems } from '../read-through-items.js';
import { actorOf, SCOPES } from './scopes.js';

const ItemParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const ListQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) },
  { additionalProperties: false },
);

/** /v1/items: a small versioned resource, validated in and serialized out by schema. */
export function registerItemRoutes(
  service: Service,
  store: ReadThroughItems,
  audit: AuditTrail,
): void {
  const { app } = service;

  app.post<{ Body: NewItem }>(
    '/v1/items',
    {
      schema: {
        summary: 'Create an item',
        description: 'Recorded in the ledger, with the caller as actor, before it is stored.',
        tags: ['items'],
        body: NewItem,
        response: { 201: Item },
      },
      config: { auth: SCOPES.itemsWrite },
    },
    async (request, reply) => {
      await audit.record({
        kind: 'item.create',
        actor: actorOf(request),
        payload: { ...request.body },
      });
      return reply.code(201).send(await store.create(request.body));
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/v1/items',
    {
      schema: {
        summary: 'List items',
        tags: ['items'],
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(Item) }) },
      },
      config: { auth: SCOPES.itemsRead },
    },
    async (request) => ({ items: await store.list(request.query.limit) }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/items/:id',
    {
      schema: {
        summary: 'Get an item',
        tags: ['items'],
        params: ItemParams,
        response: { 200: Item },
      },
      config: { auth: SCOPES.itemsRead },
    },
    async (request) => {
      const item = await store.get(request.params.id);
      if (item === undefined) throw new NotFoundError('no item with that id');
      return item;
    },
  );

  app.put<{ Params: { id: string }; Body: NewItem }>(
    '/v1/items/:id',
    {
      schema: {
        summary: 'Replace an item',
        description:
          'Replaces name and quantity. Recorded in the ledger, with the caller as actor, before it ' +
          'is applied; the cached copy is invalidated before the answer.',
        tags: ['items'],
        params: ItemParams,
        body: NewItem,
        response: { 200: Item },
      },
      config: { auth: SCOPES.itemsWrite },
    },
    async (request) => {
      const { id } = request.params;
      if ((await store.get(id)) === undefined) throw new NotFoundError('no item with that id');
      await audit.record({
        kind: 'item.update',
        actor: actorOf(request),
        payload: { id, ...request.body },
      });
      const item = await store.update(id, request.body);
      // Deleted between the check and the update: nothing was replaced.
      if (item === undefined) throw new NotFoundError('no item with that id');
      return item;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/items/:id',
    {
      schema: {
        summary: 'Delete an item',
        description: 'Recorded in the ledger, with the caller as actor, before it is deleted.',
        tags: ['items'],
        params: ItemParams,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
      config: { auth: SCOPES.itemsWrite },
    },
    async (request, reply) => {
      if ((await store.get(request.params.id)) === undefined)
        throw new NotFoundError('no item with that id');
      await audit.record({
        kind: 'item.delete',
        actor: actorOf(request),
        payload: { id: request.params.id },
      });
      await store.delete(request.params.id);
      return reply.code(204).send();
    },
  );
}
