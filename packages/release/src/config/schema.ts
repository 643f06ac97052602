import { type Static, Type } from '@sinclair/typebox';

const Glob = Type.String({ minLength: 1, maxLength: 200 });
const path = (fallback: string) => Type.String({ minLength: 1, maxLength: 500, default: fallback });

/**
 * `bulwark.release.yaml`: how this repository releases. Every section has defaults, so an empty
 * file (or none) gives the documented policy: release from `main` or `release/*`, tags `v*`,
 * fail on high and critical advisories, scan the whole history for secrets.
 */
export const ReleaseConfigSchema = Type.Object(
  {
    version: Type.Literal(1, { default: 1 }),
    /** HEAD must be one of these branches, or exactly at a tag matching `tags`. */
    branches: Type.Array(Glob, { default: ['main', 'release/*'], maxItems: 50 }),
    tags: Type.String({ default: 'v*', minLength: 1, maxLength: 100 }),
    /** The workspaces released (and packed): globs over the root package.json's workspaces. */
    packages: Type.Array(Glob, { default: ['packages/*'], maxItems: 200 }),
    secrets: Type.Object(
      {
        /** Known findings, each with owner, reason and expiry. */
        baseline: path('.bulwark/release/secrets-baseline.yaml'),
        /** Scan every blob in the history, not only the tree at HEAD. */
        history: Type.Boolean({ default: true }),
        /** Paths never scanned (globs): generated files, lockfiles. */
        exclude: Type.Array(Glob, { default: [], maxItems: 200 }),
      },
      { additionalProperties: false, default: {} },
    ),
    dependencies: Type.Object(
      {
        waivers: path('.bulwark/release/dependency-waivers.yaml'),
        failOn: Type.Union(
          [
            Type.Literal('low'),
            Type.Literal('moderate'),
            Type.Literal('high'),
            Type.Literal('critical'),
          ],
          { default: 'high' },
        ),
        /** Leave devDependencies out of the scan (they do not ship). */
        omitDev: Type.Boolean({ default: false }),
        /** The registry whose advisory endpoint is asked; npm's configured one by default. */
        registry: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
      },
      { additionalProperties: false, default: {} },
    ),
    images: Type.Object(
      {
        /** Files and directories whose image references must be pinned by digest. */
        paths: Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
          default: ['deploy'],
          maxItems: 100,
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    evidence: Type.Object(
      {
        plan: path('bulwark.plan.yaml'),
        /** The gate (`plan.gates` key) that must pass: the environment released to. */
        gate: Type.String({ default: 'production', minLength: 1, maxLength: 100 }),
        dir: path('.bulwark/evidence'),
      },
      { additionalProperties: false, default: {} },
    ),
    signoff: Type.Object(
      {
        /** Roles whose approval counts, each with the key ids allowed to approve for it. */
        roles: Type.Record(
          Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
          Type.Object(
            {
              keys: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
                minItems: 1,
                maxItems: 50,
              }),
            },
            { additionalProperties: false },
          ),
          { default: {} },
        ),
        /** How many distinct roles must approve (m of n); all of them by default. */
        required: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
        /** The public keyring that holds approvers' keys. */
        keyring: path('.bulwark/release/approvers.keyring.json'),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Where `release sign` writes the attestation, approvals and SBOM. */
    outDir: path('.bulwark/release/out'),
  },
  { additionalProperties: false },
);

export type ReleaseConfig = Static<typeof ReleaseConfigSchema>;
