import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryAuditSink, openFileKeyProvider, sha256Hex } from '@bulwark/keys';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import type { LedgerTrust } from '@bulwark/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRelease } from '../src/attestation/index.js';
import { releaseScene, sign, tempDir, trustOf, VERSION } from './attestation-fixtures.js';

const LEDGER_MAIN = fileURLToPath(new URL('../../../services/ledger/src/main.ts', import.meta.url));
const ORIGIN = 'bulwark.test/release';

/**
 * Against the real ledger service in its own process (PGlite, file keystore): signing appends the
 * attestation's digest and writes the receipt; verification proves the entry is included under
 * the ledger's signed checkpoint, and refuses a receipt that points at another entry.
 */
describe('an attestation recorded in a real ledger', () => {
  const state = tempDir('bw-attest-ledger-');
  let ledger: SpawnedProcess;
  let base: string;
  let trust: LedgerTrust;

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
    // The checkpoint key comes from the ledger's keystore (out of band), not from its answers.
    const provider = await openFileKeyProvider({ dir: ledgerKeys, audit: new MemoryAuditSink() });
    const [version] = await provider.versions('ledger-checkpoint');
    await provider.close();
    trust = { url: base, verifierKey: { name: ORIGIN, publicKey: version!.publicKey } };
  });

  afterAll(async () => {
    ledger?.kill('SIGTERM');
    await ledger?.exited;
  });

  it('appends the entry, writes the receipt, and verification proves its inclusion', async () => {
    const scene = await releaseScene();
    const signed = await sign(scene, { ledgerUrl: base });
    expect(signed.ledgerSeq).toEqual(expect.any(Number));
    const receiptFile = join(scene.outDir, `release-${VERSION}.ledger.json`);
    expect(signed.ledgerFile).toBe(receiptFile);
    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
    expect(receipt).toEqual({
      ledgerUrl: base,
      seq: signed.ledgerSeq,
      entryHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      time: expect.any(String),
      attestationSha256: signed.digest,
    });

    const envelope = JSON.parse(readFileSync(signed.file, 'utf8'));
    const statementSha256 = sha256Hex(Buffer.from(envelope.payload, 'base64'));
    const served = (await (
      await fetch(`${base}/v1/ledger/entries?from=${signed.ledgerSeq}&limit=1`)
    ).json()) as { entries: unknown[] };
    expect(served.entries[0]).toMatchObject({
      seq: signed.ledgerSeq,
      stream: 'release',
      kind: 'attestation',
      actor: 'release/v1',
      payload: { version: VERSION, digest: signed.digest, statementSha256 },
      entryHash: receipt.entryHash,
    });

    const result = await verifyRelease({
      ...trustOf(scene),
      roles: {},
      attestationFile: signed.file,
      ledger: trust,
    });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.checked.ledger).toMatchObject({
      ok: true,
      seq: signed.ledgerSeq,
      checkpoint: { origin: ORIGIN, signatureChecked: true },
    });
    expect(result.checked.ledger?.checkpoint?.size).toBeGreaterThanOrEqual(signed.ledgerSeq!);

    // A receipt moved to another release's entry proves nothing about this attestation.
    const other = await releaseScene();
    const otherSigned = await sign(other, { ledgerUrl: base });
    const otherReceipt = JSON.parse(
      readFileSync(join(other.outDir, `release-${VERSION}.ledger.json`), 'utf8'),
    );
    writeFileSync(
      receiptFile,
      JSON.stringify({ ...otherReceipt, attestationSha256: signed.digest }),
    );
    const forged = await verifyRelease({
      ...trustOf(scene),
      roles: {},
      attestationFile: signed.file,
      ledger: trust,
    });
    expect(forged.ok).toBe(false);
    expect(forged.problems).toEqual([
      {
        code: 'ledger-unproven',
        message: `ledger: ledger entry ${otherSigned.ledgerSeq} does not record this attestation (release ${VERSION}, sha256 ${signed.digest})`,
      },
    ]);
  });
});
