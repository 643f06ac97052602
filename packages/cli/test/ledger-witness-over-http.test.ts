/**
 * `bulwark ledger checkpoint` and `bulwark ledger verify` with `--witness http://…`: the witness
 * service (services/witness) as its own process, its cosignatures checked with `--witness-key`,
 * and a verifier holding no witness files of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryAuditSink, openFileKeyProvider } from '@bulwark/keys';
import { formatCosignerKey, formatVerifierKey } from '@bulwark/ledger';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgres } from '../../ledger/test/helpers/postgres.js';
import { rewriteHistory } from '../../ledger/test/helpers/tamper.js';
import { runCli } from './run-cli.js';

const WITNESS_MAIN = fileURLToPath(
  new URL('../../../services/witness/src/main.ts', import.meta.url),
);
const ORIGIN = 'cli.test/http-witnessed';
const WITNESS_NAME = 'witness.test/cli';

const bulwark = runCli;

describe.skipIf(!postgres.available)('bulwark ledger with a witness service over HTTP', () => {
  const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-http-witness-'));
  const keys = { BULWARK_KEYS_DIR: join(work, 'keys') };
  const logKeyFile = join(work, 'ledger.vkey');
  const witnessKeyFile = join(work, 'witness.vkey');
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let witness: SpawnedProcess;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase('cli_http_witness');
    expect((await bulwark(['keys', 'init', 'ledger-checkpoint'], keys)).code).toBe(0);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // The witness shares the dev keystore: it witnesses this origin by the log's key name, and
    // cosigns with its own key (witness-cosigner), created on its first start.
    witness = spawnTs(WITNESS_MAIN, {
      PORT: String(port),
      HOST: '127.0.0.1',
      ...keys,
      BULWARK_WITNESS_DATA_DIR: join(work, 'witness-data'),
      BULWARK_WITNESS_NAME: WITNESS_NAME,
      BULWARK_WITNESS_LOG_KEY_NAMES: `${ORIGIN}=ledger-checkpoint`,
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    await witness.waitForLine((line) => line.includes('ready on http://'), 60_000);
    // What a verifier is handed out of band: the log's verifier key and the witness's cosigner key.
    const provider = await openFileKeyProvider({
      dir: keys.BULWARK_KEYS_DIR,
      audit: new MemoryAuditSink(),
    });
    const [logKey] = await provider.versions('ledger-checkpoint');
    const [cosigner] = await provider.versions('witness-cosigner');
    await provider.close();
    writeFileSync(
      logKeyFile,
      `${formatVerifierKey({ name: ORIGIN, publicKey: logKey?.publicKey as Uint8Array })}\n`,
    );
    writeFileSync(
      witnessKeyFile,
      `${formatCosignerKey({ name: WITNESS_NAME, publicKey: cosigner?.publicKey as Uint8Array })}\n`,
    );
  });

  afterAll(async () => {
    witness?.kill('SIGTERM');
    await witness?.exited;
    await database?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('checkpoints into the witness service, verifies against it, and exits 1 once history is rewritten', async () => {
    for (let i = 0; i < 6; i++) {
      const appended = await bulwark([
        'ledger',
        'append',
        '--db',
        database.url,
        '--stream',
        's',
        '--kind',
        'k',
        '--actor',
        'a',
        '--payload',
        `[${i}]`,
      ]);
      expect(appended.code).toBe(0);
    }
    const signed = await bulwark(
      [
        'ledger',
        'checkpoint',
        '--db',
        database.url,
        '--origin',
        ORIGIN,
        '--witness',
        url,
        '--witness-key',
        witnessKeyFile,
      ],
      keys,
    );
    expect(signed).toMatchObject({ code: 0, stderr: '' });
    const checkpointed = Number(signed.stdout.split('\n')[1]);
    expect(checkpointed).toBeGreaterThanOrEqual(6);

    const verifyArgs = [
      'ledger',
      'verify',
      '--db',
      database.url,
      '--pubkey',
      logKeyFile,
      '--witness',
      url,
      '--witness-key',
      witnessKeyFile,
    ];
    const good = await bulwark(verifyArgs);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/trust: witnessed, origin cli\.test\/http-witnessed/);
    expect(good.stdout).toContain(`the first ${checkpointed} entries match the checkpoints`);

    await rewriteHistory(database.url, ORIGIN, checkpointed + 3);
    const bad = await bulwark(verifyArgs);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      new RegExp(
        `^TAMPERED {2}first bad seq 1: the root at size ${checkpointed} differs from the witness http://127\\.0\\.0\\.1:`,
      ),
    );
  });

  it('exits 2 with a one-line cause when the witness service cannot be reached, or a witness key has no HTTP witness', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await bulwark([
      'ledger',
      'verify',
      '--db',
      database.url,
      '--pubkey',
      logKeyFile,
      '--witness',
      closed,
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/^bulwark: .*127\.0\.0\.1.*\n$/);
    const stray = await bulwark([
      'ledger',
      'verify',
      '--db',
      database.url,
      '--pubkey',
      logKeyFile,
      '--witness-key',
      witnessKeyFile,
    ]);
    expect(stray).toMatchObject({
      code: 2,
      stderr:
        'bulwark: --witness-key is the cosigner key of an http(s):// --witness; none was given\n',
    });
  });
});
