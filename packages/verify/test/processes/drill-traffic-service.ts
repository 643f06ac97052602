/**
 * A kit service for the load and soak drills' tests, on PORT, healthy unless told otherwise:
 *   GET  /v1/items            the items
 *   POST /v1/items {id}       stores an item; with DRILL_ITEMS_FILE it is appended and fsynced
 *                             before the 201, so it survives a restart
 *   GET  /v1/items/:id        one item, 404 when unknown
 *   GET  /v1/slow             answers after DRILL_SLOW_MS (default 50) ms
 *   GET  /v1/status/:code     answers with that status
 *   GET  /v1/work             a little work; with DRILL_LEAK=1 it keeps 256 KiB and, every
 *                             10th request, a listening socket (memory and handles that grow)
 *   GET  /v1/ledger/verify    a verify report in the ledger service's shape, valid: true
 * Broken on purpose when asked:
 *   DRILL_LOSE_WRITES=1       acknowledges writes but keeps them only in memory: a restart
 *                             loses them
 *   DRILL_LEDGER_BREAKS_AFTER=N  /v1/ledger/verify answers valid: false after N verifications
 * TEST_PID_FILE: its process id is written there once started.
 */
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createService, runService } from '@bulwark/kit';

const itemsFile = process.env.DRILL_LOSE_WRITES === '1' ? undefined : process.env.DRILL_ITEMS_FILE;
const slowMs = Number(process.env.DRILL_SLOW_MS ?? 50);
const leaking = process.env.DRILL_LEAK === '1';

await runService(() => {
  const service = createService({ name: 'drill-traffic', version: '2.0.0' });
  const items = new Map<string, unknown>();
  if (itemsFile) {
    let text = '';
    try {
      text = readFileSync(itemsFile, 'utf8');
    } catch {
      writeFileSync(itemsFile, '');
    }
    for (const line of text.split('\n').filter(Boolean)) {
      const item = JSON.parse(line) as { id: string };
      items.set(item.id, item);
    }
  }
  const kept: Buffer[] = [];
  const sockets: Server[] = [];
  let workDone = 0;

  service.app.get('/v1/items', async () => ({ items: [...items.values()] }));
  service.app.get<{ Params: { id: string } }>('/v1/items/:id', async (req, reply) => {
    const item = items.get(req.params.id);
    return item === undefined ? reply.code(404).send({ title: 'no such item' }) : item;
  });
  service.app.post<{ Body: { id: string } }>(
    '/v1/items',
    {
      schema: {
        body: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string' }, note: { type: 'string' } },
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      if (itemsFile) {
        const fd = openSync(itemsFile, 'a');
        try {
          appendFileSync(fd, `${JSON.stringify(req.body)}\n`);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
      items.set(req.body.id, req.body);
      return reply.code(201).send(req.body);
    },
  );
  service.app.get('/v1/slow', async () => {
    await sleep(slowMs);
    return { slept: slowMs };
  });
  service.app.get<{ Params: { code: string } }>('/v1/status/:code', async (req, reply) =>
    reply.code(Number(req.params.code)).send({ status: Number(req.params.code) }),
  );
  service.app.get('/v1/work', async () => {
    workDone++;
    if (leaking) {
      kept.push(Buffer.alloc(256 * 1024, workDone % 251));
      if (workDone % 10 === 0) sockets.push(createServer().listen(0, '127.0.0.1'));
    }
    return { done: workDone };
  });
  let verifications = 0;
  const breaksAfter = Number(process.env.DRILL_LEDGER_BREAKS_AFTER ?? Number.POSITIVE_INFINITY);
  service.app.get('/v1/ledger/verify', async () => {
    verifications++;
    return verifications > breaksAfter
      ? { valid: false, firstBadSeq: 7, reason: 'entry 7 hash mismatch', checked: 7 }
      : { valid: true, mode: 'full', checked: verifications, head: verifications };
  });
  service.onStartup('announce', () => {
    if (process.env.TEST_PID_FILE) writeFileSync(process.env.TEST_PID_FILE, `${process.pid}\n`);
  });
  service.resources.add('leaked sockets', () => {
    for (const socket of sockets) socket.close();
  });
  return service;
});
