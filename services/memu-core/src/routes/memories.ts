import {
  DependencyUnavailableError,
  NotFoundError,
  type Service,
  ValidationError,
} from '@bulwark/kit';
import { contentDigest, type EmbeddingProvider, type MemoryStore } from '@bulwark/memory';
import { LegalHoldError, MemoryClosedError } from '../errors.js';
import type { MemoryEvent, MemoryRecorder } from '../ledger-recorder.js';
import { presentMemory, stateOf } from '../present.js';
import { translateStoreErrors } from '../store-errors.js';
import {
  Memory,
  MemoryParams,
  type NewMemory,
  problem,
  SearchBody,
  SearchReply,
  SupersedeBody,
  SupersedeReply,
  WriteBody,
  WriteReply,
} from './schemas.js';
import { actorOf, SCOPES } from './scopes.js';

export interface MemoryRouteDeps {
  store: MemoryStore;
  embeddings: EmbeddingProvider;
  recorder: MemoryRecorder;
}

/** /v1/memories: batched writes, get, search, supersede and forget. */
export function registerMemoryRoutes(service: Service, deps: MemoryRouteDeps): void {
  const { app } = service;
  const { store, recorder } = deps;

  app.post<{ Body: WriteBody }>(
    '/v1/memories',
    {
      schema: {
        summary: 'Write a batch of memories',
        description:
          'All or none: the batch is recorded in the ledger (one entry per memory, with its content digest) and then stored in one transaction. Memories without an embedding are embedded by the service.',
        tags: ['memories'],
        body: WriteBody,
        response: { 201: WriteReply },
      },
      config: { auth: SCOPES.memoriesWrite },
    },
    async (request, reply) => {
      const inputs = request.body.memories;
      inputs.forEach((input, i) => {
        checkValidity(input.validFrom, input.validTo, `/memories/${i}`);
      });
      const vectors = await embedMissing(deps.embeddings, inputs);
      const actor = actorOf(request);
      await recorder.record(
        inputs.map(
          (input): MemoryEvent => ({
            kind: 'memory.write',
            actor,
            payload: {
              namespace: input.namespace,
              subject: input.subject,
              contentDigest: contentDigest(input.content),
              validFrom: input.validFrom ?? null,
              validTo: input.validTo ?? null,
            },
          }),
        ),
      );
      const written = await translateStoreErrors(() =>
        store.writeBatch(
          inputs.map((input, i) => ({
            namespace: input.namespace,
            subject: input.subject,
            content: input.content,
            embedding: vectors[i] as Float32Array | number[],
            ...(input.validFrom === undefined ? {} : { validFrom: new Date(input.validFrom) }),
            ...(input.validTo === undefined ? {} : { validTo: new Date(input.validTo) }),
            ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
          })),
        ),
      );
      // Built from what was sent and what the insert returned, rather than read back row by row.
      const memories = written.map((w, i) => {
        const input = inputs[i] as NewMemory;
        return presentMemory({
          id: w.id,
          namespace: input.namespace,
          subject: input.subject,
          content: input.content,
          contentDigest: w.contentDigest,
          embedding: null,
          validFrom: input.validFrom === undefined ? w.recordedAt : new Date(input.validFrom),
          validTo: input.validTo === undefined ? null : new Date(input.validTo),
          recordedAt: w.recordedAt,
          supersededAt: null,
          supersededBy: null,
          metadata: input.metadata ?? {},
          provenance: null,
          forgottenAt: null,
          forgottenReason: null,
        });
      });
      return reply.code(201).send({ memories });
    },
  );

  app.get<{ Params: MemoryParams }>(
    '/v1/memories/:id',
    {
      schema: {
        summary: 'Get a memory, or the tombstone of a forgotten one',
        tags: ['memories'],
        params: MemoryParams,
        response: {
          200: Memory,
          404: problem('Not Found. `BW_NOT_FOUND`: no memory has that id.'),
        },
      },
      config: { auth: SCOPES.memoriesRead },
    },
    async (request) => presentMemory(await mustGet(store, request.params.id)),
  );

  app.post<{ Body: SearchBody }>(
    '/v1/memories/search',
    {
      schema: {
        summary: 'Search memories by vector or by text, with filters',
        description:
          'Exactly one of `text` (embedded by the service) and `vector`. Current memories only, unless `asOf` asks what was known at a time or `includeSuperseded` asks for history; forgotten memories never match. Returns k rows whenever that many match the filters.',
        tags: ['memories'],
        body: SearchBody,
        response: { 200: SearchReply },
      },
      config: { auth: SCOPES.memoriesRead },
    },
    async (request) => {
      const { text, vector, k, namespace, subject, validAt, asOf, includeSuperseded } =
        request.body;
      if ((text === undefined) === (vector === undefined)) {
        throw new ValidationError('give exactly one of text and vector');
      }
      const result = await translateStoreErrors(() =>
        store.search({
          k,
          ...(vector === undefined ? {} : { vector }),
          ...(text === undefined ? {} : { text }),
          ...(namespace === undefined ? {} : { namespace }),
          ...(subject === undefined ? {} : { subject }),
          ...(validAt === undefined ? {} : { validAt: new Date(validAt) }),
          ...(asOf === undefined ? {} : { asOf: new Date(asOf) }),
          ...(includeSuperseded === undefined ? {} : { includeSuperseded }),
        }),
      );
      return {
        results: result.hits.map((hit) => ({
          memory: presentMemory(hit.memory),
          similarity: hit.similarity,
          distance: hit.distance,
        })),
        strategy: result.strategy,
      };
    },
  );

  app.post<{ Params: MemoryParams; Body: SupersedeBody }>(
    '/v1/memories/:id/supersede',
    {
      schema: {
        summary: 'Supersede a memory with a new one',
        description:
          'The old memory is closed, not deleted: its validity ends where the new one begins, and it stays visible to `asOf` searches. Recorded in the ledger first.',
        tags: ['memories'],
        params: MemoryParams,
        body: SupersedeBody,
        response: {
          201: SupersedeReply,
          404: problem('Not Found. `BW_NOT_FOUND`: no memory has that id.'),
          409: problem(
            'Conflict. `MEMU_MEMORY_CLOSED`: the memory is already superseded or forgotten.',
          ),
        },
      },
      config: { auth: SCOPES.memoriesWrite },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body;
      checkValidity(body.validFrom, body.validTo, '');
      const old = await mustGet(store, id);
      if (stateOf(old) !== 'current') {
        throw new MemoryClosedError(
          `memory ${id} is ${stateOf(old)}: only a current one can be superseded`,
        );
      }
      const [vector] = await embedMissing(deps.embeddings, [body]);
      await recorder.record([
        {
          kind: 'memory.supersede',
          actor: actorOf(request),
          payload: {
            id,
            previousDigest: old.contentDigest,
            contentDigest: contentDigest(body.content),
            validFrom: body.validFrom ?? null,
            validTo: body.validTo ?? null,
          },
        },
      ]);
      const result = await translateStoreErrors(() =>
        store.supersede(id, {
          content: body.content,
          embedding: vector as Float32Array | number[],
          ...(body.validFrom === undefined ? {} : { validFrom: new Date(body.validFrom) }),
          ...(body.validTo === undefined ? {} : { validTo: new Date(body.validTo) }),
          ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
        }),
      );
      return reply.code(201).send({
        superseded: presentMemory(result.closed),
        memory: presentMemory(await mustGet(store, result.written.id)),
      });
    },
  );

  app.delete<{ Params: MemoryParams }>(
    '/v1/memories/:id',
    {
      schema: {
        summary: 'Forget a memory: delete its content, keep a tombstone with its digest',
        description:
          'Recorded in the ledger first. Forgetting a forgotten memory changes nothing and answers its tombstone again. Refused while the namespace is under legal hold.',
        tags: ['memories'],
        params: MemoryParams,
        response: {
          200: Memory,
          404: problem('Not Found. `BW_NOT_FOUND`: no memory has that id.'),
          409: problem('Conflict. `MEMU_LEGAL_HOLD`: the namespace is under legal hold.'),
        },
      },
      config: { auth: SCOPES.memoriesWrite },
    },
    async (request) => {
      const { id } = request.params;
      const memory = await mustGet(store, id);
      if (memory.forgottenAt !== null) return presentMemory(memory);
      // Checked before recording, so a refused forget leaves no ledger entry; the store checks
      // again under its row lock.
      const policies = await store.retentionPolicies();
      if (policies.some((p) => p.namespace === memory.namespace && p.legalHold)) {
        throw new LegalHoldError(
          `namespace ${memory.namespace} is under legal hold: nothing in it can be forgotten`,
        );
      }
      await recorder.record([
        {
          kind: 'memory.forget',
          actor: actorOf(request),
          payload: { id, namespace: memory.namespace, contentDigest: memory.contentDigest },
        },
      ]);
      await translateStoreErrors(() =>
        store.forget(id, { reason: `forgotten by ${actorOf(request)}` }),
      );
      return presentMemory(await mustGet(store, id));
    },
  );
}

async function mustGet(store: MemoryStore, id: string) {
  const memory = await store.get(id);
  if (memory === undefined || memory === null) throw new NotFoundError(`no memory has id ${id}`);
  return memory;
}

function checkValidity(from: string | undefined, to: string | undefined, at: string): void {
  if (to === undefined) return;
  const start = from === undefined ? Date.now() : Date.parse(from);
  if (Date.parse(to) <= start) {
    throw new ValidationError(`${at}/validTo must be after validFrom (or after now without one)`);
  }
}

/** Embeds, in one call, the contents that came without a vector; keeps the given ones. */
async function embedMissing(
  embeddings: EmbeddingProvider,
  inputs: ReadonlyArray<Pick<NewMemory, 'content' | 'embedding'>>,
): Promise<Array<Float32Array | number[]>> {
  const missing = inputs.filter((input) => input.embedding === undefined).map((i) => i.content);
  const made = missing.length === 0 ? [] : await embedOrUnavailable(embeddings, missing);
  let next = 0;
  return inputs.map((input) => input.embedding ?? (made[next++] as Float32Array));
}

async function embedOrUnavailable(
  embeddings: EmbeddingProvider,
  texts: string[],
): Promise<Float32Array[]> {
  try {
    return await embeddings.embed(texts);
  } catch (cause) {
    // The router already fell back to the CPU side: this is the floor failing.
    throw new DependencyUnavailableError('the embeddings endpoint cannot embed the content', {
      cause,
    });
  }
}
