import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { UsageError } from '../exit-codes.js';
import { RESTART_POLICIES, StackRestart } from './restart-policy.js';

/**
 * A service's database: `url` is a PGlite data directory (relative to the stack file) or a
 * postgres:// URL, and may name environment variables as `${VAR}` or `${VAR:-default}`;
 * `migrations` are the directories of the migration sets the service applies (relative to the
 * stack file), each a directory or `{ dir, name }` when the set name is not the directory's
 * package name (see db/targets.ts). `up` tells the service where it is (databaseEnv); `bulwark db`
 * migrates, rolls back and reports these sets.
 */
const StackDatabase = Type.Object(
  {
    url: Type.String({ minLength: 1 }),
    migrations: Type.Optional(
      Type.Array(
        Type.Union([
          Type.String({ minLength: 1 }),
          Type.Object(
            {
              dir: Type.String({ minLength: 1 }),
              name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,40}$' }),
            },
            { additionalProperties: false },
          ),
        ]),
      ),
    ),
  },
  { additionalProperties: false },
);

const StackService = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' }),
    /** TypeScript entry point, relative to the stack file. */
    entry: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /**
     * Extra environment. A value may name another service's address as `${<service>.url}` or
     * `${<service>.port}`, so it follows that service when `up` moves its port.
     */
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** Its database and migrations (StackDatabase); `up` tells the service (databaseEnv). */
    database: Type.Optional(StackDatabase),
    /** What `up` does when the service exits while serving (restart-policy.ts); default `no`. */
    restart: Type.Optional(StackRestart),
    /**
     * Serve HTTPS with a development certificate `up` makes on first start (dev-credentials.ts),
     * optionally with a plain-HTTP listener that redirects to it.
     */
    https: Type.Optional(
      Type.Object(
        { redirectPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })) },
        { additionalProperties: false },
      ),
    ),
    /**
     * Require an API key: `up` makes one on first start for `subject` with `scopes`, gives the
     * service its hash and keeps the key itself for local tools and the plan.
     */
    apiKey: Type.Optional(
      Type.Object(
        {
          subject: Type.String({ pattern: '^[A-Za-z0-9._:@-]{1,128}$', default: 'local-operator' }),
          scopes: Type.Array(Type.String({ pattern: '^[A-Za-z0-9:._*-]{1,64}$' }), {
            default: [],
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The plan `up` verifies once the stack is ready, instead of the bare probe. */
const StackVerify = Type.Object(
  {
    /** Relative to the stack file. */
    plan: Type.String({ minLength: 1 }),
    environment: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

const StackFile = Type.Object(
  {
    /** Where `up` keeps the development certificates and API keys it makes; never commit it. */
    devCredentials: Type.Optional(
      Type.Object(
        { dir: Type.String({ minLength: 1, default: '.bulwark/dev' }) },
        { additionalProperties: false },
      ),
    ),
    services: Type.Array(StackService, { minItems: 1 }),
    verify: Type.Optional(StackVerify),
  },
  { additionalProperties: false },
);

export type StackService = Static<typeof StackService>;
export type StackDatabase = Static<typeof StackDatabase>;
export type StackFile = Static<typeof StackFile>;

const RESTART_FIELD = /^\/services\/\d+\/restart/;

let compiled: ValidateFunction<StackFile> | undefined;

/** Compiled by the first stack file read, so `bulwark up --help` does not wait for it. */
function stackFileValidator(): ValidateFunction<StackFile> {
  compiled ??= new Ajv({ allErrors: true, useDefaults: true }).compile<StackFile>(StackFile);
  return compiled;
}

/** Where the development credentials are kept when the stack file does not say. */
export const DEV_CREDENTIALS_DIR = '.bulwark/dev';

/** Reads and validates a stack file; every problem is a UsageError with a one-line cause. */
export async function loadStackFile(path: string): Promise<StackFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read stack file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    const where = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    throw new UsageError(
      `stack file ${path}${where ? `:${where.line}:${where.col}` : ''} is not valid YAML`,
    );
  }
  const validate = stackFileValidator();
  if (!validate(data)) {
    const restart = validate.errors?.find((e) => RESTART_FIELD.test(e.instancePath));
    if (restart) {
      // Ajv's errors for a union are one per branch; one line that names the choices helps more.
      const where = RESTART_FIELD.exec(restart.instancePath)?.[0];
      throw new UsageError(
        `stack file ${path}: ${where} must be ${RESTART_POLICIES.join(', ')}, or ` +
          '{ policy, maxRestarts (0-1000), windowSeconds (>0), backoffMs (0-60000) }',
      );
    }
    const first = validate.errors?.[0];
    throw new UsageError(
      `stack file ${path}: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`,
    );
  }
  const names = new Set<string>();
  const ports = new Set<number>();
  for (const service of data.services) {
    if (names.has(service.name))
      throw new UsageError(`stack file ${path}: service ${service.name} appears twice`);
    for (const port of [service.port, service.https?.redirectPort]) {
      if (port === undefined) continue;
      if (ports.has(port)) throw new UsageError(`stack file ${path}: port ${port} is used twice`);
      ports.add(port);
    }
    names.add(service.name);
  }
  for (const service of data.services) {
    if (service.database) {
      const bad = [...service.database.url.matchAll(REFERENCE)].find(
        (match) => !ENV_REFERENCE.test(match[1] ?? ''),
      );
      if (bad) {
        throw new UsageError(
          `stack file ${path}: ${service.name}'s database url refers to ${bad[0]}; ` +
            `write \${VAR} or \${VAR:-default} with an environment variable name`,
        );
      }
    }
    for (const [variable, value] of Object.entries(service.env ?? {})) {
      for (const reference of serviceReferences(value)) {
        if (reference.environment) continue;
        if (reference.service === undefined || !names.has(reference.service)) {
          throw new UsageError(
            `stack file ${path}: ${service.name}'s ${variable} refers to ${reference.text}; ` +
              `write \${<service>.url} or \${<service>.port} with a service of this file, ` +
              `or \${VAR} or \${VAR:-default} with an environment variable`,
          );
        }
      }
    }
  }
  return data;
}

/** One `${…}` in an env value: a service's `url` or `port`, or something unknown. */
export interface ServiceReference {
  readonly text: string;
  /** Undefined when the reference is not `${<service>.url}` or `${<service>.port}`. */
  readonly service: string | undefined;
  readonly field: 'url' | 'port' | undefined;
  /** True for `${VAR}` or `${VAR:-default}`: an environment variable of the shell running `up`. */
  readonly environment: boolean;
}

const REFERENCE = /\$\{([^}]*)\}/g;
const SERVICE_FIELD = /^([a-z][a-z0-9-]{0,62})\.(url|port)$/;
const ENV_REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/;

/**
 * A value with its `${VAR}` and `${VAR:-default}` filled in from `env` (an unset or empty VAR
 * takes the default; without one it is a UsageError naming `what`, e.g. "core-api's database
 * url"). Service references (`${ledger.url}`) are left for resolveStack.
 */
export function expandVariables(
  what: string,
  value: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return value.replace(REFERENCE, (text, inner: string) => {
    if (SERVICE_FIELD.test(inner)) return text;
    const match = ENV_REFERENCE.exec(inner);
    if (!match) throw new UsageError(`${what}: ${text} is not \${VAR} or \${VAR:-default}`);
    const found = env[match[1] as string];
    if (found) return found;
    if (match[2] !== undefined) return match[2];
    throw new UsageError(`${what} needs ${match[1]}, which is not set`);
  });
}

export function serviceReferences(value: string): ServiceReference[] {
  return [...value.matchAll(REFERENCE)].map((match) => {
    const field = SERVICE_FIELD.exec(match[1] ?? '');
    return {
      text: match[0],
      service: field?.[1],
      field: field?.[2] as 'url' | 'port' | undefined,
      environment: !field && ENV_REFERENCE.test(match[1] ?? ''),
    };
  });
}

/**
 * The DATABASE_URL `up` gives a service with a `database:` block: the URL with its variables
 * filled in, a PGlite directory made absolute against `root` (the stack file's directory).
 * The same rule as @bulwark/db's absoluteDatabaseUrl, without loading that package into `up`.
 */
export function serviceDatabaseUrl(
  service: string,
  database: StackDatabase,
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const url = expandVariables(`${service}'s database url`, database.url, env);
  if (/^postgres(ql)?:\/\//i.test(url) || url === 'memory://') return url;
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return isAbsolute(path) ? path : resolve(root, path);
}
