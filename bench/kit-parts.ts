/**
 * bench:kit-parts: the kit's per-request pieces against what they replace, each measured in the
 * same run: request ids against randomUUID (making one, then Node's check of it as a response
 * header value), and log timestamps against toISOString when every line falls in a new
 * millisecond, as on a quiet service.
 *
 *   npm run bench:kit-parts -- [--count 1000000]
 */
import { randomUUID } from 'node:crypto';
import { validateHeaderValue } from 'node:http';
import { parseArgs } from 'node:util';
import { isoAt } from '../packages/kit/src/logging/log-time.js';
import { randomRequestId } from '../packages/kit/src/tracing/random-ids.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000000' } } });
const count = Number(values.count);
if (!Number.isSafeInteger(count) || count < 1000) {
  process.stderr.write('bench:kit-parts: --count must be an integer of at least 1000\n');
  process.exit(2);
}

/** µs per call of `fn(i)` over `count` calls, after a warm-up of a tenth as many. */
function perCall(fn: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < count / 10; i++) sink += fn(i) === undefined ? 0 : 1;
  const started = performance.now();
  for (let i = 0; i < count; i++) sink += fn(i) === undefined ? 0 : 1;
  const micros = ((performance.now() - started) * 1000) / count;
  if (sink < 0) process.stdout.write(''); // keeps the calls from being optimized away
  return micros;
}

function headerCheck(make: () => string): number {
  const ids = Array.from({ length: count }, make);
  return perCall((i) => validateHeaderValue('x-request-id', ids[i] as string));
}

const epoch = Date.now();
const rows: [string, number, number][] = [
  ['request id, make', perCall(() => randomUUID()), perCall(randomRequestId)],
  ['request id, header check', headerCheck(() => randomUUID()), headerCheck(randomRequestId)],
  [
    'log timestamp, a new ms per line',
    perCall((i) => new Date(epoch + i).toISOString()),
    perCall((i) => isoAt(epoch + i)),
  ],
];
console.log(`bench:kit-parts  ${count.toLocaleString('en-US')} calls each`);
console.log(
  `${'piece'.padEnd(34)}${'baseline µs'.padStart(12)}${'kit µs'.padStart(10)}${'kit/baseline'.padStart(14)}`,
);
for (const [label, baseline, kit] of rows)
  console.log(
    `${label.padEnd(34)}${baseline.toFixed(3).padStart(12)}${kit.toFixed(3).padStart(10)}${(kit / baseline).toFixed(3).padStart(14)}`,
  );
console.log('baselines: randomUUID, and new Date(ms).toISOString()');
