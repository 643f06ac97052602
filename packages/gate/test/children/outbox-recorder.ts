/**
 * A gate stand-in for tests that kill it: opens the outbox in OUTBOX_DIR, records RECORDS
 * decisions (CONCURRENCY in flight) and prints `acked <n>` as soon as each record() resolves,
 * i.e. once the record is durable. With LEDGER_URL and STREAM it also runs a shipper, as the
 * gate does, and then stays up until it is killed.
 */

import { LedgerBatchClient } from '../../src/decisions/ledger-client.js';
import { FileOutbox } from '../../src/decisions/outbox.js';
import { OutboxShipper } from '../../src/decisions/shipper.js';

const env = process.env;
const records = Number(env.RECORDS ?? 1_000_000);
const concurrency = Number(env.CONCURRENCY ?? 64);
const writer = env.WRITER ?? 'child';

const outbox = await FileOutbox.open({
  dir: env.OUTBOX_DIR as string,
  maxRecords: Number(env.MAX_RECORDS ?? 1_000_000),
  ...(env.SEGMENT_BYTES ? { segmentBytes: Number(env.SEGMENT_BYTES) } : {}),
});
let shipper: OutboxShipper | undefined;
if (env.LEDGER_URL && env.STREAM) {
  shipper = new OutboxShipper({
    outbox,
    client: new LedgerBatchClient({ url: env.LEDGER_URL, timeoutMs: 5_000 }),
    stream: env.STREAM,
    batchSize: Number(env.BATCH_SIZE ?? 500),
    retry: { initialMs: 50, maxMs: 500 },
  });
  shipper.start();
}
process.stdout.write(`ready ${outbox.lastRecorded()}\n`);

let next = 0;
const recordSome = async () => {
  while (next < records) {
    const i = next++;
    const n = await outbox.append({
      kind: 'gate.decision',
      actor: 'agent:child',
      payload: { writer, i, allow: i % 3 !== 0, tool: 'http.get' },
    });
    // Synchronous on a pipe (Linux): the line is in the pipe before the next record starts.
    process.stdout.write(`acked ${n}\n`);
  }
};
await Promise.all(Array.from({ length: concurrency }, recordSome));
process.stdout.write('recorded\n');
if (!shipper) await outbox.close();
