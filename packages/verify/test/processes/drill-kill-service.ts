/**
 * A kit service for the kill drill's tests, on PORT, its pid written to TEST_PID_FILE, keeping
 * items in TEST_ITEMS_FILE (one JSON line each, read back at startup):
 *   POST /v1/store {id}   stores an item and answers 201
 *   GET  /v1/store/:id    the item, or 404
 *   GET  /v1/store        every item
 * TEST_STORE picks when an item reaches the file:
 *   fsync         (healthy) appended and fsynced before the 201: an acknowledged item survives
 *                 anything, SIGKILL included
 *   write-behind  (broken) kept in memory, the 201 sent at once, the buffer flushed to the file
 *                 every TEST_FLUSH_MS (default 2000): a SIGKILL loses what was acknowledged
 *                 since the last flush
 */
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { runService } from '@bulwark/kit';
import { fixtureService } from './fixture-services.js';

const file = process.env.TEST_ITEMS_FILE ?? '';
const store = process.env.TEST_STORE ?? 'fsync';
const flushMs = Number(process.env.TEST_FLUSH_MS ?? 2000);

await runService(() => {
  const service = fixtureService(undefined);
  const items = new Map<string, unknown>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    appendFileSync(file, '');
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const item = JSON.parse(line) as { id: string };
    items.set(item.id, item);
  }

  let buffered: string[] = [];
  const flush = () => {
    if (buffered.length > 0) appendFileSync(file, buffered.join(''));
    buffered = [];
  };
  if (store === 'write-behind') {
    const timer = setInterval(flush, flushMs);
    service.resources.add('write-behind buffer', () => {
      clearInterval(timer);
      flush();
    });
  }

  service.app.register(async (scope) => {
    scope.post<{ Body: { id: string } }>(
      '/v1/store',
      {
        schema: {
          body: {
            type: 'object',
            required: ['id'],
            properties: { id: { type: 'string' } },
            additionalProperties: false,
          },
        },
      },
      async (req, reply) => {
        const line = `${JSON.stringify(req.body)}\n`;
        if (store === 'write-behind') {
          buffered.push(line);
        } else {
          const fd = openSync(file, 'a');
          try {
            writeSync(fd, line);
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
        }
        items.set(req.body.id, req.body);
        return reply.code(201).send(req.body);
      },
    );
    scope.get<{ Params: { id: string } }>('/v1/store/:id', async (req, reply) => {
      const item = items.get(req.params.id);
      return item === undefined ? reply.code(404).send({ title: 'no such item' }) : item;
    });
    scope.get('/v1/store', async () => ({ items: [...items.values()] }));
  });

  service.onStartup('announce', () => {
    if (process.env.TEST_PID_FILE) writeFileSync(process.env.TEST_PID_FILE, `${process.pid}\n`);
  });
  return service;
});
