import { SignatureEnvelopeSchema } from '@bulwark/keys';
import { Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { CRITERION_STATUSES } from '../plan/schema.js';
import { BUNDLE_FORMAT } from './model.js';

/**
 * The shape of bundle.json as readers rely on it, checked before anything trusts a field. It
 * mirrors model.ts's EvidenceBundle; extra properties are allowed so a newer writer's additions
 * do not make a bundle unreadable to an older reader.
 */
const CHECK_STATUSES = ['pass', 'fail', 'warn', 'skip', 'error'] as const;
const VERDICTS = [...CHECK_STATUSES, 'manual', 'waived'] as const;

/** An enum rather than a union of literals, so ajv's one error names the allowed values. */
const literals = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Time = Type.String({ minLength: 1 });

const ArtifactRecordSchema = Type.Object({
  path: Type.String({ minLength: 1 }),
  mediaType: Type.String(),
  bytes: Type.Integer({ minimum: 0 }),
  sha256: Sha256,
});

const CheckRecordSchema = Type.Object({
  check: Type.String({ minLength: 1 }),
  service: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  params: Type.Record(Type.String(), Type.Unknown()),
  status: literals(CHECK_STATUSES),
  summary: Type.String(),
  reason: Type.Optional(Type.String()),
  measurements: Type.Record(Type.String(), Type.Unknown()),
  samples: Type.Array(
    Type.Object({
      name: Type.String(),
      unit: Type.String(),
      values: Type.Array(Type.Number()),
    }),
  ),
  artifacts: Type.Array(ArtifactRecordSchema),
  targetVersion: Type.Optional(Type.String()),
  startedAt: Time,
  durationMs: Type.Number({ minimum: 0 }),
});

const CriterionRecordSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  text: Type.String(),
  section: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String()),
  planStatus: literals(CRITERION_STATUSES),
  required: Type.Boolean(),
  verdict: literals(VERDICTS),
  reason: Type.String(),
  checks: Type.Array(CheckRecordSchema),
  waiver: Type.Optional(
    Type.Object({
      owner: Type.String(),
      approver: Type.String(),
      reason: Type.String(),
      risk: Type.String(),
      expires: Type.String(),
    }),
  ),
});

export const EvidenceBundleSchema = Type.Object({
  format: Type.Literal(BUNDLE_FORMAT),
  id: Type.String({ minLength: 1 }),
  plan: Type.Object({ name: Type.String(), path: Type.String(), sha256: Type.String() }),
  environment: Type.String({ minLength: 1 }),
  startedAt: Time,
  finishedAt: Time,
  tool: Type.Object({ name: Type.Literal('bulwark'), version: Type.String(), node: Type.String() }),
  host: Type.String(),
  criteria: Type.Array(CriterionRecordSchema),
  summary: Type.Object({
    criteria: Type.Integer({ minimum: 0 }),
    byVerdict: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    ok: Type.Boolean(),
  }),
});

export const LedgerAnchorSchema = Type.Object({
  ledgerUrl: Type.String({ minLength: 1 }),
  seq: Type.Integer({ minimum: 1 }),
  entryHash: Sha256,
  time: Type.String(),
  bundleSha256: Sha256,
});

interface BundleValidators {
  readonly bundle: ValidateFunction;
  readonly envelope: ValidateFunction;
  readonly anchor: ValidateFunction;
}

let validators: BundleValidators | undefined;

/**
 * The three documents' validators, compiled on first use and kept: compiling them when the module
 * loaded cost every importer of @bulwark/verify (the CLI's `--help` included) tens of
 * milliseconds, though only the readers of a bundle ever need them.
 */
export function bundleValidators(): BundleValidators {
  if (!validators) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    validators = {
      bundle: ajv.compile(EvidenceBundleSchema),
      envelope: ajv.compile(SignatureEnvelopeSchema),
      anchor: ajv.compile(LedgerAnchorSchema),
    };
  }
  return validators;
}
