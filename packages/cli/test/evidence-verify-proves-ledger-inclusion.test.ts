import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryAuditSink, openFileKeyProvider, saveKeyring } from '@bulwark/keys';
import { formatVerifierKey } from '@bulwark/ledger';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { anchorBundle, type LedgerAnchor, verifyBundle, writeBundle } from '@bulwark/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, testKeys, testRun } from '../../verify/test/evidence-fixtures.js';
import { expectOneLineFailure, runCli } from './run-cli.js';

const LEDGER_MAIN = fileURLToPath(new URL('../../../services/ledger/src/main.ts', import.meta.url));
const ORIGIN = 'bulwark.test/evidence';

/**
 * Against the real ledger service in its own process (PGlite, file keystore): a bundle's digest
 * is appended, anchor.json written, and `bulwark evidence verify --ledger` proves its inclusion
 * under the ledger's signed checkpoint.
 */
describe('evidence anchored in a real ledger service', () => {
  const state = tempDir('bw-evidence-ledger-');
  let ledger: SpawnedProcess;
  let base: string;
  let vkey: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const ledgerKeys = join(state, 'ledger-keys');
    ledger = spawnTs(LEDGER_MAIN, {
      PORT: String(port),
      BULWARK_LEDGER_DATA_DIR: join(state, 'ledger'),
      BULWARK_KEYS_DIR: ledgerKeys,
      BULWARK_LEDGER_ORIGIN: ORIGIN,
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    });
    await ledger.waitForLine((l) => l.includes('ready on http'), 60_000);
    // The verifier key comes from the ledger's keystore (out of band), not from the ledger's answers.
    const provider = await openFileKeyProvider({ dir: ledgerKeys, audit: new MemoryAuditSink() });
    const [version] = await provider.versions('ledger-checkpoint');
    await provider.close();
    vkey = formatVerifierKey({ name: ORIGIN, publicKey: version!.publicKey });
  });

  afterAll(async () => {
    ledger?.kill('SIGTERM');
    await ledger?.exited;
  });

  async function anchored() {
    const keys = await testKeys();
    const { dir, sha256 } = await writeBundle(testRun(), { root: tempDir(), signer: keys.signer });
    const anchor = await anchorBundle(dir, base);
    const keyringFile = join(tempDir(), 'keyring.json');
    await saveKeyring(keyringFile, keys.keyring);
    return { dir, sha256, anchor, keys, keyringFile };
  }

  it('anchors a bundle and proves its inclusion under the signed checkpoint', async () => {
    const { dir, sha256, anchor, keys, keyringFile } = await anchored();
    expect(anchor).toEqual({
      ledgerUrl: base,
      seq: expect.any(Number),
      entryHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      time: expect.any(String),
      bundleSha256: sha256,
    });
    expect(JSON.parse(readFileSync(join(dir, 'anchor.json'), 'utf8'))).toEqual(anchor);
    const entries = (await (
      await fetch(`${base}/v1/ledger/entries?from=${anchor.seq}&limit=1`)
    ).json()) as {
      entries: { stream: string; kind: string; actor: string; payload: unknown }[];
    };
    expect(entries.entries[0]).toMatchObject({
      stream: 'evidence',
      kind: 'bundle',
      actor: 'evidence/v1',
      payload: { sha256, plan: 'reference', environment: 'dev', ok: true },
    });

    const result = await verifyBundle(dir, {
      keyring: keys.keyring,
      ledger: { url: base, verifierKey: (await import('@bulwark/ledger')).parseVerifierKey(vkey) },
    });
    expect(result).toMatchObject({
      ok: true,
      anchor: { ok: true, seq: anchor.seq, checkpoint: { origin: ORIGIN, signatureChecked: true } },
      warnings: [],
    });
    expect(result.anchor?.checkpoint?.size).toBeGreaterThanOrEqual(anchor.seq);

    const run = await runCli([
      'evidence',
      'verify',
      dir,
      '--keyring',
      keyringFile,
      '--ledger',
      base,
      '--ledger-key',
      vkey,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `ledger     included: entry ${anchor.seq}, checkpoint ${ORIGIN} size`,
    );
    expect(run.stdout).toContain('(signature checked)');
  });

  it('says so when the checkpoint signature was not checked (no --ledger-key)', async () => {
    const { dir, keyringFile } = await anchored();
    const run = await runCli([
      'evidence',
      'verify',
      dir,
      '--keyring',
      keyringFile,
      '--ledger',
      base,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(signature NOT checked)');
    expect(run.stdout).toMatch(/warning: the ledger checkpoint's signature was NOT checked/);
  });

  it('exits 1 when the checkpoints do not verify with the given ledger key', async () => {
    const { dir, keyringFile } = await anchored();
    const impostor = await testKeys('ledger-checkpoint');
    const wrongKey = formatVerifierKey({ name: ORIGIN, publicKey: impostor.signer.publicKey });
    const run = await runCli([
      'evidence',
      'verify',
      dir,
      '--keyring',
      keyringFile,
      '--ledger',
      base,
      '--ledger-key',
      wrongKey,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/none of the ledger's \d+ checkpoints verifies with the ledger key/);
  });

  it('exits 1 when anchor.json points at an entry that does not record this bundle', async () => {
    const first = await anchored();
    const second = await anchored();
    // Claim the first bundle sits at the second bundle's entry.
    const forged: LedgerAnchor = { ...second.anchor, bundleSha256: first.sha256 };
    writeFileSync(join(first.dir, 'anchor.json'), JSON.stringify(forged));
    const run = await runCli([
      'evidence',
      'verify',
      first.dir,
      '--keyring',
      first.keyringFile,
      '--ledger',
      base,
      '--format',
      'json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).anchor).toEqual({
      ok: false,
      seq: second.anchor.seq,
      problem: expect.stringMatching(
        new RegExp(`^ledger entry ${second.anchor.seq} does not record this bundle`),
      ),
    });
  });

  it('exits 1 for a bundle that was never anchored, and when bundle.json changed after anchoring', async () => {
    const keys = await testKeys();
    const { dir } = await writeBundle(testRun(), { root: tempDir(), signer: keys.signer });
    const keyringFile = join(tempDir(), 'keyring.json');
    await saveKeyring(keyringFile, keys.keyring);
    const never = await runCli([
      'evidence',
      'verify',
      dir,
      '--keyring',
      keyringFile,
      '--ledger',
      base,
    ]);
    expect(never.code).toBe(1);
    expect(never.stdout).toContain('no anchor.json: the bundle was never anchored in a ledger');

    const { dir: anchoredDir, keyringFile: anchoredKeys } = await anchored();
    const path = join(anchoredDir, 'bundle.json');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('"host": "test-host"', '"host": "elsewhere"'),
    );
    const changed = await runCli([
      'evidence',
      'verify',
      anchoredDir,
      '--keyring',
      anchoredKeys,
      '--ledger',
      base,
      '--format',
      'json',
    ]);
    expect(changed.code).toBe(1);
    const result = JSON.parse(changed.stdout);
    expect(result.signature.code).toBe('digest-mismatch');
    expect(result.anchor.problem).toMatch(/anchor\.json was made for a different bundle\.json/);
  });

  it('fails anchoring with one AnchorError line when the ledger refuses or cannot be reached', async () => {
    const keys = await testKeys();
    const { dir } = await writeBundle(testRun(), { root: tempDir(), signer: keys.signer });
    await expect(anchorBundle(dir, `${base}/not-the-ledger`)).rejects.toMatchObject({
      code: 'BW_ANCHOR_FAILED',
      message: expect.stringMatching(/refused the evidence entry for bundle \S+: HTTP 404/),
    });
    const closed = await freePort();
    const error = await anchorBundle(dir, `http://127.0.0.1:${closed}`, { timeoutMs: 2000 }).catch(
      (e: Error) => e,
    );
    expect(error).toMatchObject({
      code: 'BW_ANCHOR_FAILED',
      message: expect.stringMatching(/did not answer POST \/v1\/ledger\/entries: .*ECONNREFUSED/),
    });
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('exits 2 with one line when the ledger to verify against cannot be reached', async () => {
    const { dir, keyringFile } = await anchored();
    const closed = await freePort();
    expectOneLineFailure(
      await runCli([
        'evidence',
        'verify',
        dir,
        '--keyring',
        keyringFile,
        '--ledger',
        `http://127.0.0.1:${closed}`,
      ]),
      /ledger http:\/\/127\.0\.0\.1:\d+ did not answer GET \/v1\/ledger\/entries\?from=\d+&limit=1: .*ECONNREFUSED/,
    );
  });
});
