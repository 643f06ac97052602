import { resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { durationMs } from '../../plan/duration.js';
import type { CheckPlugin } from '../check.js';
import { skipped } from '../outcomes.js';
import { type AttestationRecord, readAttestations } from './attestation.js';

export const ManualAttestationParams = Type.Object({}, { additionalProperties: false });
export type ManualAttestationParamsValue = Static<typeof ManualAttestationParams>;

/**
 * A manual criterion is met by the newest valid attestation: signed by a key in the run's
 * keyring, for this plan and criterion, unexpired, and no older than the criterion's
 * `attestationMaxAge`. Nothing to judge (no keyring, no attestation yet) is a skip with its
 * reason; an attestation that exists but does not hold (expired, unknown key, altered) is a fail.
 */
export const manualAttestationCheck: CheckPlugin<ManualAttestationParamsValue> = {
  id: 'manual.attestation',
  description: 'a valid, unexpired attestation signed by a trusted key (bulwark plan attest)',
  params: ManualAttestationParams,
  scope: 'environment',
  async run(_params, ctx) {
    const keyring = ctx.shared.keyring;
    if (!keyring) {
      return skipped('no keyring to check attestations (give one with --keyring)');
    }
    const dir = resolve(ctx.planDir, ctx.shared.attestationsDir);
    const now = ctx.now();
    const records = await readAttestations(dir, ctx.plan.name, ctx.criterion.id, keyring, now);
    if (records.length === 0) {
      return skipped(`no attestation for ${ctx.criterion.id} in ${dir} (bulwark plan attest)`);
    }
    const maxAge = ctx.criterion.attestationMaxAge;
    const judged = records.map((record) => withinMaxAge(record, maxAge, now));
    const chosen = judged.find((r) => r.state === 'valid');
    const counts = { attestations: records.length };
    if (!chosen) {
      const newest = judged[0] as AttestationRecord;
      return {
        status: 'fail',
        summary: `no valid attestation: the newest ${newest.message}`,
        measurements: counts,
      };
    }
    const attestation = chosen.attestation as NonNullable<AttestationRecord['attestation']>;
    return {
      status: 'pass',
      summary: `${chosen.message}: ${excerpt(attestation.statement)}`,
      measurements: {
        ...counts,
        attestedBy: attestation.attestedBy,
        attestedAt: attestation.attestedAt,
        expiresAt: attestation.expiresAt,
      },
      artifacts: [
        {
          name: 'attestation.json',
          mediaType: 'application/json',
          content: chosen.payload as Uint8Array,
        },
        {
          name: 'attestation.sig.json',
          mediaType: 'application/json',
          content: `${JSON.stringify(chosen.signature, null, 2)}\n`,
        },
      ],
    };
  },
};

/** An otherwise valid attestation older than the criterion allows counts as expired. */
function withinMaxAge(
  record: AttestationRecord,
  maxAge: string | undefined,
  now: Date,
): AttestationRecord {
  if (record.state !== 'valid' || !maxAge || !record.attestation) return record;
  const age = now.getTime() - Date.parse(record.attestation.attestedAt);
  if (age <= durationMs(maxAge)) return record;
  return {
    ...record,
    state: 'expired',
    message: `attestation of ${record.attestation.attestedAt} is older than the criterion's attestationMaxAge ${maxAge}`,
  };
}

function excerpt(statement: string): string {
  const line = statement.replace(/\s+/g, ' ');
  return JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line);
}
