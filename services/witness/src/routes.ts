import { BulwarkError, type Service } from '@bulwark/kit';
import { SIZE_CONTENT_TYPE, type WitnessedCheckpoint } from '@bulwark/ledger';
import { Type } from '@sinclair/typebox';
import { Counter, Gauge } from 'prom-client';
import { parseAddCheckpointRequest } from './add-checkpoint-request.js';
import type { CosigningWitness } from './cosigning-witness.js';
import { OldSizeConflictError } from './errors.js';

/** An add-checkpoint body: a note, up to 63 proof lines and the old size line fit easily. */
const ADD_CHECKPOINT_BODY_LIMIT = 64 * 1024;
const TEXT = 'text/plain; charset=utf-8';

const OriginParams = Type.Object(
  { origin: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

const checkpointJson = (c: WitnessedCheckpoint) => ({
  size: c.size,
  root: Buffer.from(c.root).toString('base64'),
  note: c.note,
});

/**
 * POST /add-checkpoint (C2SP tlog-witness, text/plain in and out) and the read routes verifiers
 * use: /v1/witness (name, verifier key, logs), /v1/witness/:origin/checkpoints (every
 * checkpoint held, smallest first) and .../latest (the newest note). The origin is one path
 * segment, so its "/" travels percent-encoded (bulwark.local%2Fledger).
 */
export function registerWitnessRoutes(service: Service, witness: CosigningWitness): void {
  const { app } = service;
  const outcomes = new Counter({
    name: 'bulwark_witness_add_checkpoint_total',
    help: 'add-checkpoint requests by outcome (cosigned, or the error code refusing them).',
    labelNames: ['outcome'],
    registers: [service.metrics.registry],
  });
  const latestSize = new Gauge({
    name: 'bulwark_witness_latest_size',
    help: 'Tree size of the latest checkpoint this witness cosigned, per witnessed log.',
    labelNames: ['origin'],
    registers: [service.metrics.registry],
  });

  // Its own scope: only this route takes text/plain bodies, and only up to the limit above.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'text/plain',
      { parseAs: 'string', bodyLimit: ADD_CHECKPOINT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    scope.post<{ Body: string }>('/add-checkpoint', async (request, reply) => {
      try {
        const cosigned = await witness.addCheckpoint(parseAddCheckpointRequest(request.body));
        outcomes.inc({ outcome: 'cosigned' });
        latestSize.set({ origin: cosigned.origin }, cosigned.size);
        return reply.type(TEXT).send(cosigned.cosignature);
      } catch (error) {
        if (error instanceof BulwarkError) outcomes.inc({ outcome: error.code });
        if (error instanceof OldSizeConflictError) {
          return reply.code(409).type(SIZE_CONTENT_TYPE).send(`${error.size}\n`);
        }
        throw error;
      }
    });
  });

  app.get('/v1/witness', async () => ({
    name: witness.name,
    verifierKey: witness.verifierKey,
    origins: witness.origins(),
  }));

  app.get<{ Params: { origin: string } }>(
    '/v1/witness/:origin/checkpoints',
    { schema: { params: OriginParams } },
    async (request) => ({
      origin: request.params.origin,
      checkpoints: (await witness.list(request.params.origin)).map(checkpointJson),
    }),
  );

  app.get<{ Params: { origin: string } }>(
    '/v1/witness/:origin/checkpoints/latest',
    { schema: { params: OriginParams } },
    async (request, reply) => {
      const latest = await witness.latest(request.params.origin);
      return reply.type(TEXT).send(latest.note);
    },
  );
}
