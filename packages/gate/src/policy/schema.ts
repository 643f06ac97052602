import { Type } from '@sinclair/typebox';
import { POLICY_FORMAT } from './types.js';

/**
 * The policy file, `*.policy.yaml`: one TypeBox schema is both what a bundle is validated
 * against and the JSON Schema published at `schemas/bulwark.policy.schema.json` (`npm run
 * schemas` regenerates it; a test fails when the published copy drifts). Its Static type is held
 * assignable to PolicyDocument (types.ts) by a type test. What JSON Schema cannot say (PUB and
 * WORK exist, unique rule ids, host xor cidr, addresses that parse) is checked in semantics.ts.
 */

/** The most rules one mode may hold: enough for any real gate, a bound on what indexing costs. */
export const MAX_RULES_PER_MODE = 100_000;
export const MAX_EGRESS_RULES_PER_MODE = 10_000;
export const MAX_MODES = 64;

/** Upper-case identifiers: `PUB`, `WORK`, `MAINTENANCE_2`. */
export const MODE_NAME_PATTERN = '^[A-Z][A-Z0-9_]{0,31}$';

const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$',
  description: 'letters, digits and . _ : / -, starting with a letter or digit, at most 128',
});

const Text = Type.String({ minLength: 1, maxLength: 2000 });

/** A tool or action name, or `*` for any. */
const NameOrAny = Type.String({
  pattern: '^(\\*|[A-Za-z0-9][A-Za-z0-9._:/-]{0,127})$',
  description: 'a name (letters, digits and . _ : / -, at most 128) or * for any',
});

/** `*` may only end a pattern: it makes the rest a prefix. */
const Pattern = Type.String({
  pattern: '^[^*]{0,1024}\\*?$',
  minLength: 1,
  description: 'an exact value, or a prefix ending in * (a * anywhere else is not allowed)',
});
const Patterns = Type.Array(Pattern, { minItems: 1, maxItems: 1000 });

const Scalar = Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean()]);
const StringOrNumber = Type.Union([Type.String({ maxLength: 4096 }), Type.Number()]);

export const ArgConditionSchema = Type.Object(
  {
    equals: Type.Optional(Scalar),
    in: Type.Optional(Type.Array(StringOrNumber, { minItems: 1, maxItems: 10_000 })),
    prefix: Type.Optional(Type.String({ maxLength: 4096 })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RuleConditionsSchema = Type.Object(
  {
    subject: Type.Optional(Patterns),
    resource: Type.Optional(Patterns),
    args: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$' }), ArgConditionSchema, {
        additionalProperties: false,
        maxProperties: 64,
        description:
          'argument names are letters, digits and _ . -, starting with a letter or _, at most 64',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RuleEffectSchema = Type.Union([
  Type.Literal('allow'),
  Type.Literal('deny'),
  Type.Literal('approval'),
]);

export const PolicyRuleSchema = Type.Object(
  {
    id: Id,
    tool: NameOrAny,
    action: NameOrAny,
    effect: RuleEffectSchema,
    when: Type.Optional(RuleConditionsSchema),
    reason: Type.Optional(Text),
  },
  { additionalProperties: false },
);

export const EgressSchemeSchema = Type.Union([
  Type.Literal('http'),
  Type.Literal('https'),
  Type.Literal('tcp'),
  Type.Literal('tls'),
]);

export const EgressRuleSchema = Type.Object(
  {
    id: Type.Optional(Id),
    // Shape only: semantics.ts checks labels, the wildcard's place and that it is not an address.
    host: Type.Optional(
      Type.String({
        pattern: '^(\\*\\.)?[a-z0-9.-]{1,253}$',
        description: 'a lower-case host name, or *. and a host name for one label of wildcard',
      }),
    ),
    cidr: Type.Optional(
      Type.String({
        pattern: '^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$',
        description: 'an IPv4 or IPv6 address, or a network such as 10.0.0.0/8 or 2001:db8::/32',
      }),
    ),
    ports: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 65_535 }), { minItems: 1, maxItems: 1000 }),
    ),
    schemes: Type.Optional(Type.Array(EgressSchemeSchema, { minItems: 1, maxItems: 4 })),
  },
  { additionalProperties: false },
);

export const ModePolicySchema = Type.Object(
  {
    description: Type.Optional(Text),
    rules: Type.Array(PolicyRuleSchema, { maxItems: MAX_RULES_PER_MODE }),
    egress: Type.Array(EgressRuleSchema, { maxItems: MAX_EGRESS_RULES_PER_MODE }),
  },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object(
  {
    format: Type.Literal(POLICY_FORMAT),
    gate: Id,
    version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    expiresAt: Type.String({ format: 'date-time', maxLength: 64 }),
    defaultMode: Type.String({
      pattern: MODE_NAME_PATTERN,
      description: 'an upper-case identifier of at most 32 characters, like PUB or WORK',
    }),
    modes: Type.Record(Type.String({ pattern: MODE_NAME_PATTERN }), ModePolicySchema, {
      additionalProperties: false,
      maxProperties: MAX_MODES,
      description:
        'mode names are upper-case identifiers of at most 32 characters, like PUB or WORK',
    }),
  },
  { additionalProperties: false, $id: 'https://bulwark.dev/schemas/bulwark.policy.schema.json' },
);

/** JSON Schemas the gate publishes in the repository's schemas/ folder, by file name. */
export const GATE_PUBLISHED_SCHEMAS: Readonly<Record<string, object>> = {
  'bulwark.policy.schema.json': {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Bulwark tool gate policy (bulwark.policy/v1)',
    ...JSON.parse(JSON.stringify(PolicySchema)),
  },
};
