/**
 * Sign throughput of each key provider against raw node:crypto Ed25519 in the same run.
 *
 *   npm run bench:keys [-- --seconds 2 --bytes 256]
 *
 * Every provider signer is audited (SHA-256 digest + record per signature), so the figures
 * include that cost; the JSONL row adds an fsync per signature. PKCS#11 runs against a
 * throwaway SoftHSM2 token (apt-get install softhsm2).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  JsonlFileAuditSink,
  MemoryAuditSink,
  openFileKeyProvider,
  openPkcs11KeyProvider,
} from '@bulwark/keys';

const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, bytes: { type: 'string', default: '256' } },
});
const seconds = Number(values.seconds);
const message = randomBytes(Number(values.bytes));

interface Result {
  name: string;
  opsPerSec: number;
  p50us: number;
  p99us: number;
}

async function measure(name: string, signOnce: () => unknown): Promise<Result> {
  for (let i = 0; i < 200; i += 1) await signOnce(); // warm-up
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    const t = performance.now();
    await signOnce();
    latencies.push(performance.now() - t);
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 1000;
  return { name, opsPerSec: latencies.length / elapsed, p50us: at(0.5), p99us: at(0.99) };
}

const work = mkdtempSync(join(tmpdir(), 'bulwark-bench-keys-'));
const results: Result[] = [];
try {
  const { privateKey } = generateKeyPairSync('ed25519');
  results.push(
    await measure('node:crypto Ed25519 (baseline)', () => sign(null, message, privateKey)),
  );

  const memory = new MemoryAuditSink();
  const fileProvider = await openFileKeyProvider({
    dir: join(work, 'keys'),
    audit: memory,
    env: {},
  });
  await fileProvider.create('bench');
  const fileSigner = await fileProvider.open('bench');
  results.push(
    await measure('file keystore + memory audit', () => fileSigner.sign(message, 'bench')),
  );

  const jsonl = new JsonlFileAuditSink(join(work, 'audit.jsonl'));
  const durableProvider = await openFileKeyProvider({
    dir: join(work, 'keys'),
    audit: jsonl,
    env: {},
  });
  const durableSigner = await durableProvider.open('bench');
  results.push(
    await measure('file keystore + JSONL audit (fsync)', () =>
      durableSigner.sign(message, 'bench'),
    ),
  );
  await jsonl.close();

  const tokens = join(work, 'tokens');
  mkdirSync(tokens);
  const conf = join(work, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  const pin = randomBytes(6).toString('hex');
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', 'bench', '--pin', pin, '--so-pin', `${pin}so`],
    {
      stdio: 'ignore',
    },
  );
  const hsm = await openPkcs11KeyProvider({
    module: SOFTHSM_MODULE,
    tokenLabel: 'bench',
    pin,
    audit: memory,
  });
  await hsm.create('bench');
  const hsmSigner = await hsm.open('bench');
  results.push(
    await measure('PKCS#11 SoftHSM2 C_Sign + memory audit', () => hsmSigner.sign(message, 'bench')),
  );
  await hsm.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}

const baseline = results[0]!.opsPerSec;
console.log(
  `Ed25519 sign, ${message.length}-byte messages, ${seconds}s per row, one signer awaited sequentially`,
);
console.log(
  [
    'signer'.padEnd(42),
    'signs/s'.padStart(10),
    'p50 µs'.padStart(9),
    'p99 µs'.padStart(9),
    'vs baseline'.padStart(12),
  ].join(' '),
);
for (const r of results) {
  console.log(
    [
      r.name.padEnd(42),
      r.opsPerSec.toFixed(0).padStart(10),
      r.p50us.toFixed(1).padStart(9),
      r.p99us.toFixed(1).padStart(9),
      `${(r.opsPerSec / baseline).toFixed(2)}x`.padStart(12),
    ].join(' '),
  );
}
