import { ConflictError, NotFoundError, type Service, ValidationError } from '@bulwark/kit';
import {
  consistencyProofJson,
  formatVerifierKey,
  inclusionProofJson,
  type Ledger,
  type SignedCheckpoint,
  type StoredEntry,
  toHex,
  type VerifyOptions,
  type VerifyReport,
} from '@bulwark/ledger';
import type { Static } from '@sinclair/typebox';
import type { CheckpointSchedule } from '../checkpoint-schedule.js';
import { mapped } from '../errors.js';
import type { UnwitnessedWindowMonitor } from '../unwitnessed-window.js';
import {
  AppendBody,
  AppendReply,
  BatchBody,
  BatchReply,
  CheckpointsQuery,
  ConsistencyQuery,
  InclusionQuery,
  ReadQuery,
  StreamParams,
  VerifyQuery,
} from './schemas.js';

const checkpointJson = (c: SignedCheckpoint) => ({
  id: c.id,
  origin: c.origin,
  size: c.size,
  root: toHex(c.root),
  note: c.note,
});

/** An entry as GET /v1/ledger/entries and /v1/ledger/streams/:stream/last answer it. */
const entryJson = (e: StoredEntry) => ({
  seq: e.seq,
  time: new Date(e.timeMs).toISOString(),
  stream: e.stream,
  kind: e.kind,
  actor: e.actor,
  payload: JSON.parse(e.payload) as unknown,
  payloadHash: toHex(e.payloadHash),
  prevHash: toHex(e.prevHash),
  entryHash: toHex(e.entryHash),
});

/** /v1/ledger: append and read entries, verify, checkpoints, proofs. */
export function registerLedgerRoutes(
  service: Service,
  ledger: Ledger,
  schedule: CheckpointSchedule,
  unwitnessed: UnwitnessedWindowMonitor,
): void {
  const { app } = service;
  // A full verify reads the whole log: concurrent requests for the same check share one run.
  const running = new Map<string, Promise<VerifyReport>>();
  const verifyOnce = (options: VerifyOptions): Promise<VerifyReport> => {
    const key = JSON.stringify(options);
    let run = running.get(key);
    if (!run) {
      run = ledger.verify(options).finally(() => running.delete(key));
      running.set(key, run);
    }
    return run;
  };

  app.post<{ Body: Static<typeof AppendBody> }>(
    '/v1/ledger/entries',
    { schema: { body: AppendBody, response: { 201: AppendReply } } },
    async (request, reply) => {
      const receipt = await mapped(() => ledger.append(request.body));
      reply.code(201);
      return {
        seq: receipt.seq,
        entryHash: toHex(receipt.entryHash),
        time: new Date(receipt.timeMs).toISOString(),
      };
    },
  );

  // Conditional batches to one stream are checked and appended one at a time in this process,
  // so the `ifLastSeq` check and the append it guards cannot interleave with another batch's.
  const streamTurns = new Map<string, Promise<unknown>>();
  const inStreamTurn = <T>(stream: string, fn: () => Promise<T>): Promise<T> => {
    const run = (streamTurns.get(stream) ?? Promise.resolve()).then(fn);
    const settled = run.catch(() => undefined);
    streamTurns.set(stream, settled);
    settled.then(() => {
      if (streamTurns.get(stream) === settled) streamTurns.delete(stream);
    });
    return run;
  };

  // Entries appended as one batch (consecutive seqs when it fits one group commit).
  app.post<{ Body: Static<typeof BatchBody> }>(
    '/v1/ledger/batches',
    { schema: { body: BatchBody, response: { 201: BatchReply } } },
    async (request, reply) => {
      const { entries, ifLastSeq } = request.body;
      const append = () => mapped(() => ledger.appendBatch(entries));
      let receipts: Awaited<ReturnType<typeof append>>;
      if (ifLastSeq === undefined) {
        receipts = await append();
      } else {
        const stream = (entries[0] as Static<typeof AppendBody>).stream;
        if (entries.some((e) => e.stream !== stream)) {
          throw new ValidationError('a batch with ifLastSeq must keep every entry in one stream');
        }
        receipts = await inStreamTurn(stream, async () => {
          const lastSeq = (await mapped(() => ledger.lastOfStream(stream)))?.seq ?? 0;
          if (lastSeq !== ifLastSeq) {
            throw new ConflictError(
              `the newest entry of stream ${stream} is seq ${lastSeq}, not ${ifLastSeq}: nothing was appended`,
            );
          }
          return append();
        });
      }
      const first = receipts[0];
      const last = receipts[receipts.length - 1];
      if (!first || !last) throw new ValidationError('a batch needs at least one entry');
      reply.code(201);
      return { first: first.seq, last: last.seq, lastEntryHash: toHex(last.entryHash) };
    },
  );

  app.get<{ Params: Static<typeof StreamParams> }>(
    '/v1/ledger/streams/:stream/last',
    { schema: { params: StreamParams } },
    async (request) => {
      const { stream } = request.params;
      const entry = await mapped(() => ledger.lastOfStream(stream));
      if (!entry) throw new NotFoundError(`stream ${stream} has no entries`);
      return entryJson(entry);
    },
  );

  app.get<{ Querystring: Static<typeof ReadQuery> }>(
    '/v1/ledger/entries',
    { schema: { querystring: ReadQuery } },
    async (request) => {
      const { from = 1, limit = 100, stream } = request.query;
      const entries = await mapped(() => ledger.read(from, limit, stream ? { stream } : {}));
      const last = entries[entries.length - 1];
      return {
        entries: entries.map(entryJson),
        next: entries.length === limit && last ? last.seq + 1 : null,
      };
    },
  );

  app.get('/v1/ledger/head', async () => {
    const head = await mapped(() => ledger.head());
    return { size: head.size, root: toHex(head.root), lastHash: toHex(head.lastHash) };
  });

  app.get<{ Querystring: Static<typeof VerifyQuery> }>(
    '/v1/ledger/verify',
    { schema: { querystring: VerifyQuery } },
    async (request) => {
      const { mode = 'full', from, to } = request.query;
      if (from !== undefined && to !== undefined && from > to) {
        throw new ValidationError(`from ${from} is after to ${to}`);
      }
      const report = await mapped(() =>
        verifyOnce({
          mode,
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
        }),
      );
      if (!report.valid)
        service.logger.error(
          { firstBadSeq: report.firstBadSeq, reason: report.reason },
          'ledger verification failed',
        );
      return report;
    },
  );

  app.get<{ Querystring: Static<typeof CheckpointsQuery> }>(
    '/v1/ledger/checkpoints',
    { schema: { querystring: CheckpointsQuery } },
    async (request) => ({
      checkpoints: (await mapped(() => ledger.checkpoints(request.query.limit ?? 100))).map(
        checkpointJson,
      ),
      verifierKeys: ledger.trustedKeys.map(formatVerifierKey),
    }),
  );

  // On demand: signs (unless the log has not grown), stores and hands it to every witness.
  app.post('/v1/ledger/checkpoints', async (_request, reply) => {
    const checkpoint = await mapped(() => schedule.checkpointNow());
    reply.code(201);
    return checkpointJson(checkpoint);
  });

  // The unwitnessed tail and the schedule that bounds it (also in /metrics and /health).
  app.get('/v1/ledger/window', async () => {
    const now = Date.now();
    const w = await mapped(() => unwitnessed.measure(now));
    const { intervalMs, afterEntries, quietMs } = schedule.options;
    return {
      headSize: w.headSize,
      witnessedSize: w.witnessedSize,
      entries: w.entries,
      oldestAt: w.oldestTimeMs === undefined ? null : new Date(w.oldestTimeMs).toISOString(),
      ageSeconds: w.oldestTimeMs === undefined ? 0 : Math.max(0, now - w.oldestTimeMs) / 1000,
      onlyCheckpointAudit: w.onlyCheckpointAudit,
      schedule: {
        intervalSeconds: intervalMs / 1000,
        afterEntries,
        quietSeconds: quietMs / 1000,
      },
      witnesses: w.witnesses.map((s) => ({
        name: s.name,
        size: s.size ?? null,
        checkedAt: s.checkedAtMs === undefined ? null : new Date(s.checkedAtMs).toISOString(),
        error: s.error ?? null,
      })),
    };
  });

  app.get<{ Querystring: Static<typeof InclusionQuery> }>(
    '/v1/ledger/proofs/inclusion',
    { schema: { querystring: InclusionQuery } },
    async (request) =>
      inclusionProofJson(
        await mapped(() => ledger.inclusionProof(request.query.seq, request.query.treeSize)),
      ),
  );

  app.get<{ Querystring: Static<typeof ConsistencyQuery> }>(
    '/v1/ledger/proofs/consistency',
    { schema: { querystring: ConsistencyQuery } },
    async (request) =>
      consistencyProofJson(
        await mapped(() => ledger.consistencyProof(request.query.from, request.query.to)),
      ),
  );
}
