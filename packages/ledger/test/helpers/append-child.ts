/**
 * A child process that appends to the ledger at LEDGER_TARGET and prints `ack <seq> <entryHash>`
 * for every append once it is acknowledged (durable). Pipes are synchronous on Linux, so a
 * printed ack is in the parent's hands even if this process is killed the next instant.
 *
 * LEDGER_COUNT: stop after this many appends (default: run until killed).
 * LEDGER_IN_FLIGHT: concurrent appends (default 8), so group commit batches them.
 */
import { Ledger, openDriver, toHex } from '../../src/index.js';

const target = process.env.LEDGER_TARGET;
if (!target) throw new Error('LEDGER_TARGET is required');
const count = Number(process.env.LEDGER_COUNT ?? Number.POSITIVE_INFINITY);
const inFlight = Number(process.env.LEDGER_IN_FLIGHT ?? 8);
const writer = process.env.LEDGER_WRITER ?? String(process.pid);
const quiet = process.env.LEDGER_QUIET === '1';

const ledger = await Ledger.open(await openDriver(target, { maxConnections: 2 }), {
  origin: 'bulwark.test/child',
});
process.stdout.write('ready\n');
let started = 0;
async function worker(): Promise<void> {
  while (started < count) {
    const n = started++;
    const receipt = await ledger.append({
      stream: `writer-${writer}`,
      kind: 'tick',
      actor: `proc:${writer}`,
      payload: { n },
    });
    if (!quiet) process.stdout.write(`ack ${receipt.seq} ${toHex(receipt.entryHash)}\n`);
  }
}
await Promise.all(Array.from({ length: inFlight }, worker));
await ledger.close();
process.stdout.write('done\n');
