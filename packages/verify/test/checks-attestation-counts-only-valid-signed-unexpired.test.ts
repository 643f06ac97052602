import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KeyProvider,
  keyringOf,
  MemoryAuditSink,
  openFileKeyProvider,
  type PublicKeyring,
  type Signer,
} from '@bulwark/keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttestationError,
  readAttestations,
  writeAttestation,
} from '../src/checks/manual/attestation.js';
import { ATTESTATION_PAYLOAD_TYPE } from '../src/evidence/model.js';
import { planWith, runCheck } from './checks-harness.js';

const work = mkdtempSync(join(tmpdir(), 'bw-attest-'));
const plan = planWith([], { id: 'runbook-reviewed', attestationMaxAge: '90d' });
const T0 = new Date('2026-03-01T12:00:00Z');
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);

let trusted: KeyProvider;
let stranger: KeyProvider;
let alice: Signer;
let mallory: Signer;
let keyring: PublicKeyring;
const audit = new MemoryAuditSink();

beforeAll(async () => {
  trusted = await openFileKeyProvider({ dir: join(work, 'keys'), audit });
  stranger = await openFileKeyProvider({ dir: join(work, 'other-keys'), audit });
  await trusted.create('alice');
  await stranger.create('mallory');
  alice = await trusted.open('alice');
  mallory = await stranger.open('mallory');
  keyring = await keyringOf(trusted);
});
afterAll(async () => {
  await trusted?.close();
  await stranger?.close();
  rmSync(work, { recursive: true, force: true });
});

function freshDir(name: string): string {
  return join(work, name);
}

function attest(
  dir: string,
  signer: Signer,
  now: Date,
  validFor = '30d',
  statement = 'Reviewed the runbook with on-call.',
) {
  return writeAttestation({
    signer,
    plan,
    criterionId: 'runbook-reviewed',
    statement,
    validFor,
    dir,
    now,
  });
}

function check(dir: string, now: Date, withKeyring = true) {
  return runCheck(
    'manual.attestation',
    {},
    {
      plan,
      planDir: work,
      attestationsDir: dir,
      now,
      ...(withKeyring ? { keyring } : {}),
    },
  );
}

describe('writeAttestation', () => {
  it('writes the signed bytes and the envelope, audited through the key', async () => {
    const dir = freshDir('written');
    const { path, attestation } = await attest(dir, alice, T0);
    expect(path).toBe(join(dir, 'runbook-reviewed', '2026-03-01T12-00-00.000Z.json'));
    expect(attestation).toEqual({
      format: 'bulwark.attestation/v1',
      plan: 'checks-test',
      criterion: 'runbook-reviewed',
      statement: 'Reviewed the runbook with on-call.',
      attestedBy: 'alice/v1',
      attestedAt: '2026-03-01T12:00:00.000Z',
      expiresAt: '2026-03-31T12:00:00.000Z',
    });
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(JSON.parse(Buffer.from(file.payload, 'base64').toString('utf8'))).toEqual(attestation);
    expect(file.signature).toMatchObject({
      payloadType: ATTESTATION_PAYLOAD_TYPE,
      keyId: 'alice/v1',
    });
    expect(audit.records.some((r) => r.purpose === 'plan-attestation')).toBe(true);
  });

  it('never overwrites a statement made in the same millisecond', async () => {
    const dir = freshDir('twice');
    await attest(dir, alice, T0);
    const second = await attest(dir, alice, T0);
    expect(second.path.endsWith('2026-03-01T12-00-00.000Z-2.json')).toBe(true);
    expect(readdirSync(join(dir, 'runbook-reviewed'))).toHaveLength(2);
  });

  it.each([
    [{ criterionId: 'nope' }, 'plan "checks-test" has no criterion "nope"'],
    [{ validFor: 'forever' }, 'validity "forever" is not a duration like 90d, 12h or 30m'],
    [{ validFor: '0d' }, 'validity "0d" is not a duration like 90d, 12h or 30m'],
    [
      { validFor: '120d' },
      "validity 120d is longer than criterion runbook-reviewed's attestationMaxAge 90d",
    ],
    [{ statement: '   ' }, 'the statement must be 1 to 4000 characters'],
  ])('refuses bad input %j with one line', async (override, message) => {
    const options = {
      signer: alice,
      plan,
      criterionId: 'runbook-reviewed',
      statement: 'ok',
      validFor: '1d',
      dir: freshDir('refused'),
      ...override,
    };
    await expect(writeAttestation(options)).rejects.toThrow(new AttestationError(message));
  });
});

describe('manual.attestation', () => {
  it('passes on a valid attestation, keeping its exact signed bytes as evidence', async () => {
    const dir = freshDir('valid');
    const { path } = await attest(dir, alice, T0);
    const outcome = await check(dir, days(1));
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toBe(
      'attested by alice/v1 on 2026-03-01T12:00:00.000Z, valid until 2026-03-31T12:00:00.000Z: "Reviewed the runbook with on-call."',
    );
    const payload = Buffer.from(JSON.parse(readFileSync(path, 'utf8')).payload, 'base64');
    expect(Buffer.from(outcome.artifacts?.[0]?.content as Uint8Array)).toEqual(payload);
    expect(outcome.artifacts?.map((a) => a.name)).toEqual([
      'attestation.json',
      'attestation.sig.json',
    ]);
  });

  it('fails an expired attestation, saying when it expired', async () => {
    const dir = freshDir('expired');
    await attest(dir, alice, T0, '1d');
    const outcome = await check(dir, days(3));
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: 'no valid attestation: the newest attestation expired on 2026-03-02T12:00:00.000Z',
    });
  });

  it("fails one older than the criterion's attestationMaxAge, even if not yet expired", async () => {
    const dir = freshDir('too-old');
    await attest(dir, alice, T0, '90d');
    const strict = planWith([], { id: 'runbook-reviewed', attestationMaxAge: '7d' });
    const outcome = await runCheck(
      'manual.attestation',
      {},
      {
        plan: strict,
        planDir: work,
        attestationsDir: dir,
        now: days(10),
        keyring,
      },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain("is older than the criterion's attestationMaxAge 7d");
  });

  it('fails an attestation signed by a key outside the keyring', async () => {
    const dir = freshDir('unknown-key');
    await attest(dir, mallory, T0);
    const outcome = await check(dir, days(1));
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: 'no valid attestation: the newest signed by unknown key mallory/v1',
    });
  });

  it('fails an attestation whose statement was altered after signing', async () => {
    const dir = freshDir('tampered');
    const { path } = await attest(dir, alice, T0);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    const altered = Buffer.from(file.payload, 'base64')
      .toString('utf8')
      .replace('Reviewed the runbook', 'Skipped the runbook');
    file.payload = Buffer.from(altered).toString('base64');
    writeFileSync(path, JSON.stringify(file));
    const outcome = await check(dir, days(1));
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: 'no valid attestation: the newest tampered: the statement was altered after signing',
    });
  });

  it('uses the newest valid attestation when a newer one does not hold', async () => {
    const dir = freshDir('fallback');
    await attest(dir, alice, T0, '30d', 'first review');
    await attest(dir, mallory, days(2), '30d', 'a forged review');
    const outcome = await check(dir, days(3));
    expect(outcome.status).toBe('pass');
    expect(outcome.summary).toContain('"first review"');
    const records = await readAttestations(
      dir,
      'checks-test',
      'runbook-reviewed',
      keyring,
      days(3),
    );
    expect(records.map((r) => r.state)).toEqual(['unknown-key', 'valid']);
  });

  it('skips with its reason when there is no attestation, or no keyring to check one', async () => {
    const none = await check(freshDir('empty'), T0);
    expect(none).toMatchObject({ status: 'skip' });
    expect(none.reason).toMatch(
      /^no attestation for runbook-reviewed in .*empty \(bulwark plan attest\)$/,
    );
    const dir = freshDir('no-keyring');
    await attest(dir, alice, T0);
    expect(await check(dir, days(1), false)).toMatchObject({
      status: 'skip',
      reason: 'no keyring to check attestations (give one with --keyring)',
    });
  });

  it('does not count an attestation for another plan or a corrupt file', async () => {
    const dir = freshDir('other');
    const other = { ...planWith([], { id: 'runbook-reviewed' }), name: 'another-plan' };
    await writeAttestation({
      signer: alice,
      plan: other,
      criterionId: 'runbook-reviewed',
      statement: 'elsewhere',
      validFor: '30d',
      dir,
      now: T0,
    });
    writeFileSync(join(dir, 'runbook-reviewed', '2026-03-05T00-00-00.000Z.json'), '{not json');
    const records = await readAttestations(
      dir,
      'checks-test',
      'runbook-reviewed',
      keyring,
      days(6),
    );
    expect(records.map((r) => [r.state, r.message])).toEqual([
      ['malformed', 'not JSON'],
      ['other-plan', 'attests another-plan / runbook-reviewed, not checks-test / runbook-reviewed'],
    ]);
    expect((await check(dir, days(6))).status).toBe('fail');
  });
});
