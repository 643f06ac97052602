import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAuditSink, openPkcs11KeyProvider } from '@bulwark/keys';
import type { Service } from '@bulwark/kit';
import { openCheckpoint } from '@bulwark/ledger';
import { createSoftHsmToken, SOFTHSM_MODULE, type SoftHsmToken, softhsm } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedgerService } from '../src/index.js';

const ORIGIN = 'bulwark.test/hsm-ledger';
const KEY = 'ledger-checkpoint';

describe.skipIf(!softhsm.available)('checkpoints signed by a SoftHSM2 key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-ledger-hsm-'));
  let token: SoftHsmToken;
  afterAll(() => {
    token?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function env(): NodeJS.ProcessEnv {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      BULWARK_LEDGER_DATA_DIR: join(dir, 'ledger'),
      BULWARK_LEDGER_ORIGIN: ORIGIN,
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_KEYS_PROVIDER: 'pkcs11',
      BULWARK_PKCS11_MODULE: SOFTHSM_MODULE,
      BULWARK_PKCS11_TOKEN_LABEL: token.label,
      BULWARK_PKCS11_PIN: token.pin,
    };
  }

  async function appendAndCheckpoint(service: Service, n: number) {
    for (let i = 0; i < n; i++) {
      const appended = await service.app.inject({
        method: 'POST',
        url: '/v1/ledger/entries',
        payload: { stream: 'orders', kind: 'created', actor: 'svc', payload: { i } },
      });
      expect(appended.statusCode).toBe(201);
    }
    const checkpoint = await service.app.inject({ method: 'POST', url: '/v1/ledger/checkpoints' });
    expect(checkpoint.statusCode).toBe(201);
    return checkpoint.json() as { note: string; size: number };
  }

  it('sign in the token, survive a key rotation and audit every signature into the ledger', async () => {
    token = createSoftHsmToken();

    // v1: created inside the token on first start.
    const first = await openLedgerService(env());
    const before = await appendAndCheckpoint(first, 3);
    await first.shutdown();

    // Rotate in the HSM: v2 signs from now on, v1 stays a trusted verifier.
    const keys = await openPkcs11KeyProvider({
      module: SOFTHSM_MODULE,
      tokenLabel: token.label,
      pin: token.pin,
      audit: new MemoryAuditSink(),
    });
    await keys.rotate(KEY);
    const versions = await keys.versions(KEY);
    const attributes = await keys.privateKeyAttributes(`${KEY}/v2`);
    await keys.close();
    expect(versions.map((v) => v.keyId)).toEqual([`${KEY}/v1`, `${KEY}/v2`]);
    expect(attributes).toMatchObject({ sensitive: true, extractable: false });

    const second = await openLedgerService(env());
    const after = await appendAndCheckpoint(second, 2);

    // Each note opens with its own version's public key and with no other.
    const [v1, v2] = versions.map((v) => ({ name: ORIGIN, publicKey: v.publicKey }));
    expect(openCheckpoint(before.note, [v1!]).size).toBe(before.size);
    expect(() => openCheckpoint(before.note, [v2!])).toThrow();
    expect(openCheckpoint(after.note, [v2!]).size).toBe(after.size);
    expect(() => openCheckpoint(after.note, [v1!])).toThrow();

    // The old checkpoint still verifies after rotation: the full verify compares both.
    const verify = (await second.app.inject({ url: '/v1/ledger/verify' })).json();
    expect(verify).toMatchObject({
      valid: true,
      checkpoints: { signaturesChecked: true, latestTrustedSize: after.size },
    });
    // Both checkpoints, each from the store and from the witness.
    expect(verify.checkpoints.compared).toBe(4);

    // One audit record per signature, naming the key version that made it.
    const audit = (await second.app.inject({ url: '/v1/ledger/entries?stream=keys' })).json() as {
      entries: Array<{ actor: string; payload: { purpose: string; digest: string } }>;
    };
    expect(audit.entries.map((e) => e.actor)).toEqual([`${KEY}/v1`, `${KEY}/v2`]);
    for (const entry of audit.entries) {
      expect(entry.payload.purpose).toBe('ledger-checkpoint');
      expect(entry.payload.digest).toMatch(/^[0-9a-f]{64}$/);
    }
    await second.shutdown();
  });
});
