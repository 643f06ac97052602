import { Type } from '@sinclair/typebox';
import { SecretReference } from '../secrets/secret-reference.js';

const Scopes = Type.Array(Type.String({ pattern: '^[A-Za-z0-9:._*-]{1,64}$' }), {
  maxItems: 64,
  default: [],
});

/** Asymmetric algorithms only by default: an HS key is a shared secret every verifier holds. */
export const JWT_ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export const JWT_HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/**
 * Authentication: who is calling. `required` makes every route but the contract's probes need
 * a principal, unless the route opts out (`config: { auth: false }`) or names the scopes it
 * needs (`config: { auth: { scopes: ['items:write'] } }`).
 */
export const AuthConfigSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('off'), Type.Literal('required')], { default: 'off' }),
    /** API keys, kept only as hashes in a `bulwark.api-keys/v1` document. */
    apiKeys: Type.Optional(
      Type.Object(
        {
          /** A file path, or a secret reference whose value is the document. */
          source: Type.String({ minLength: 1, maxLength: 4096 }),
          header: Type.String({ pattern: '^[a-z0-9-]{1,64}$', default: 'x-api-key' }),
          /** Rotation: the document is read again this often; 0 reads it once. */
          reloadIntervalMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 10_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Bearer JWTs from an identity provider, verified with jose. */
    jwt: Type.Optional(
      Type.Object(
        {
          issuer: Type.String({ minLength: 1 }),
          audience: Type.Union([
            Type.String({ minLength: 1 }),
            Type.Array(Type.String(), { minItems: 1 }),
          ]),
          algorithms: Type.Array(
            Type.Union(
              [...JWT_ASYMMETRIC_ALGORITHMS, ...JWT_HMAC_ALGORITHMS].map((a) => Type.Literal(a)),
            ),
            { minItems: 1, default: ['RS256', 'ES256', 'EdDSA'] },
          ),
          /** Where the issuer's keys are; fetched and cached by jose. */
          jwksUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
          /** Or one PEM public key (SPKI) from a file. */
          publicKeyFile: Type.Optional(Type.String({ minLength: 1 })),
          /** Or, for HS* algorithms only, a shared secret by reference. */
          secret: Type.Optional(SecretReference),
          clockToleranceSec: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
          /** Refuse tokens older than this by iat, whatever their exp says. */
          maxTokenAgeSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 * 30 })),
          jwksCacheMaxAgeMs: Type.Integer({
            minimum: 1_000,
            maximum: 86_400_000,
            default: 600_000,
          }),
          scopeClaim: Type.String({ default: 'scope' }),
          orgClaim: Type.String({ default: 'org' }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Workload identity from mTLS: the client certificate (verified by the TLS layer against
     * tls.caFile) names a subject by fingerprint, common name or a URI SAN (spiffe://…).
     */
    clientCertificates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            fingerprint256: Type.Optional(
              Type.String({ pattern: '^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$' }),
            ),
            commonName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
            subject: Type.String({ minLength: 1, maxLength: 256 }),
            scopes: Scopes,
          },
          { additionalProperties: false },
        ),
        { maxItems: 1_000 },
      ),
    ),
    /** Short-lived service JWTs (EdDSA, signed through @bulwark/keys) from other services. */
    serviceTokens: Type.Optional(
      Type.Object(
        {
          /** A `bulwark-keyring/v1` file with the signers' public keys. */
          keyringFile: Type.String({ minLength: 1 }),
          /** Issuers (service names) accepted. */
          issuers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
          /** Defaults to this service's name. */
          audience: Type.Optional(Type.String({ minLength: 1 })),
          maxTtlSec: Type.Integer({ minimum: 1, maximum: 3_600, default: 300 }),
          clockToleranceSec: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { default: {}, additionalProperties: false },
);
