/**
 * Witness cosignatures follow C2SP tlog-cosignature (Ed25519, cosignature/v1): the key ID over
 * name ‖ 0x0A ‖ 0x04 ‖ key, a timestamped signature over "cosignature/v1\ntime <t>\n" and the
 * checkpoint body, and vkeys that other implementations publish parse as ours.
 */
import { describe, expect, it } from 'vitest';
import {
  appendSignatureLines,
  cosignCheckpointBody,
  cosignedMessage,
  formatCheckpoint,
  formatCosignerKey,
  noteKeyOf,
  parseCosignerKey,
  parseNote,
  signCheckpoint,
  verifyCosignature,
} from '../src/index.js';
import { testSigner } from './helpers/test-signer.js';

const ORIGIN = 'bulwark.test/cosigned';
const WITNESS = 'witness.test/w1';

describe('C2SP cosignature/v1', () => {
  it('parses a cosigner vkey published by another implementation, and formats it back', () => {
    // From transparency-dev/formats (note/note_cosigv1_test.go): a native cosignature/v1 vkey.
    const published = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
    const key = parseCosignerKey(published);
    expect(key.name).toBe('remora.n621.de');
    expect(formatCosignerKey(key)).toBe(published);
    expect(() => parseCosignerKey(published.replace('da77ade7', 'da77ade8'))).toThrow(
      /key hash does not match/,
    );
    // A plain note key (type 0x01) is not a cosigner key.
    expect(() =>
      parseCosignerKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6'),
    ).toThrow(/not an Ed25519 cosignature\/v1 key/);
  });

  it('lays a signature out as key ID, then the big-endian u64 timestamp, then Ed25519', () => {
    // From the same suite: a cosignature made at 1727964367.
    const blob = Buffer.from(
      'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
      'base64',
    );
    expect(blob.length).toBe(4 + 8 + 64);
    expect(blob.readBigUInt64BE(4)).toBe(1727964367n);
    expect(cosignedMessage('example.com/log\n5\nAAAA\n', 1727964367).toString()).toBe(
      'cosignature/v1\ntime 1727964367\nexample.com/log\n5\nAAAA\n',
    );
  });

  it('cosigns a signed checkpoint; only the witness key, the body and the time it covers verify', async () => {
    const log = testSigner('log/v1');
    const witness = testSigner('witness/v1');
    const witnessKey = { name: WITNESS, publicKey: witness.publicKey };
    const note = await signCheckpoint({ origin: ORIGIN, size: 3, root: new Uint8Array(32) }, log);
    const body = parseNote(note).body;
    const line = await cosignCheckpointBody(body, WITNESS, witness, 1_700_000_000);
    expect(line).toMatch(/^\u2014 witness\.test\/w1 [A-Za-z0-9+/]+=*\n$/);
    const cosigned = appendSignatureLines(note, [line]);

    expect(verifyCosignature(cosigned, [witnessKey])).toEqual({
      signedBy: witnessKey,
      timestamp: 1_700_000_000,
    });
    // The log's own signature is not a cosignature, under its name or the witness's.
    expect(() => verifyCosignature(note, [witnessKey])).toThrow(/no cosignature/);
    expect(() => verifyCosignature(cosigned, [noteKeyOf(ORIGIN, log)])).toThrow(/no cosignature/);
    // Another body under the same line does not verify.
    const otherBody = formatCheckpoint({ origin: ORIGIN, size: 4, root: new Uint8Array(32) });
    expect(() => verifyCosignature(cosigned.replace(body, otherBody), [witnessKey])).toThrow(
      /no cosignature/,
    );
    // Nor a changed timestamp.
    const raw = Buffer.from(line.slice(2 + WITNESS.length + 1, -1), 'base64');
    raw.writeBigUInt64BE(1_700_000_001n, 4);
    const moved = appendSignatureLines(note, [`\u2014 ${WITNESS} ${raw.toString('base64')}\n`]);
    expect(() => verifyCosignature(moved, [witnessKey])).toThrow(/no cosignature/);
    expect(() => appendSignatureLines(note, ['not a signature line\n'])).toThrow();
  });
});
