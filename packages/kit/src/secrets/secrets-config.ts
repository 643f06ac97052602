import { Type } from '@sinclair/typebox';

/**
 * Where `${secret:name}` references resolve. Providers are asked in this order: the files of
 * a directory (Kubernetes and Docker secrets), Vault KV v2, AWS Secrets Manager, and the
 * environment (development and test only: refused when the environment is production).
 */
export const SecretsConfigSchema = Type.Object(
  {
    /** One file per secret, named after it (`/run/secrets/openai`). */
    dir: Type.Optional(Type.String({ minLength: 1 })),
    vault: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://' }),
          /** The KV v2 mount. */
          mount: Type.String({ pattern: '^[A-Za-z0-9._/-]{1,128}$', default: 'secret' }),
          /** A file holding the Vault token (the token is itself a secret, never config). */
          tokenFile: Type.String({ minLength: 1 }),
          namespace: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    aws: Type.Optional(
      Type.Object(
        {
          region: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
          /** Prepended to every name: `prod/core-api/`. */
          prefix: Type.String({ maxLength: 256, default: '' }),
          /** For tests and VPC endpoints. */
          endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** `${secret:openai}` reads BULWARK_SECRET_OPENAI; refused in production. */
    env: Type.Boolean({ default: false }),
    /** A value is read again after this long; a change fires the rotation callbacks. */
    cacheTtlMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 60_000 }),
  },
  { default: {}, additionalProperties: false },
);
