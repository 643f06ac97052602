import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';

/** in-toto Statement v1: what every Bulwark release document is, so standard tools can read it. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The DSSE payload type in-toto statements are signed under. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const RELEASE_PREDICATE_TYPE = 'https://bulwark.dev/attestations/release/v1';

const SHA256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** A git object id: SHA-1 (40 hex) or SHA-256 (64 hex) repositories. */
const GIT_OBJECT = Type.String({ pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' });
/**
 * A plain file name: verification joins it to a directory, so a slash or `..` could reach
 * outside it.
 */
export const FILE_NAME_PATTERN = '^(?!\\.\\.?$)[^/\\\\\\u0000]{1,255}$';
const FILE_NAME = Type.String({ pattern: FILE_NAME_PATTERN });

export const SubjectSchema = Type.Object({
  name: FILE_NAME,
  digest: Type.Object({ sha256: SHA256 }),
});
export type Subject = Static<typeof SubjectSchema>;

export const ReleasePredicateSchema = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 256 }),
  commit: GIT_OBJECT,
  sourceTree: Type.Object({ gitTree: GIT_OBJECT }),
  sbom: Type.Object({ name: FILE_NAME, sha256: SHA256 }),
  evidence: Type.Optional(
    Type.Object({ bundle: Type.String({ minLength: 1, maxLength: 1024 }), sha256: SHA256 }),
  ),
  builtAt: Type.String({ minLength: 1, maxLength: 64 }),
});
export type ReleasePredicate = Static<typeof ReleasePredicateSchema>;

export const ReleaseStatementSchema = Type.Object({
  _type: Type.Literal(IN_TOTO_STATEMENT_TYPE),
  subject: Type.Array(SubjectSchema, { minItems: 1, maxItems: 10_000 }),
  predicateType: Type.Literal(RELEASE_PREDICATE_TYPE),
  predicate: ReleasePredicateSchema,
});
export type ReleaseStatement = Static<typeof ReleaseStatementSchema>;

// One Ajv for every release document schema; strict mode off because TypeBox adds its own keywords.
const ajv = new Ajv({ allErrors: false, strict: false });

/** A checker that answers the value typed, or one line naming the first thing wrong. */
export function shapeChecker<S extends TSchema>(
  schema: S,
): (value: unknown) => { ok: true; value: Static<S> } | { ok: false; problem: string } {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return { ok: true, value: value as Static<S> };
    const [first] = validate.errors ?? [];
    return {
      ok: false,
      problem: `${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`,
    };
  };
}

export const checkReleaseStatement = shapeChecker(ReleaseStatementSchema);
