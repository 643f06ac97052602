import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../exit-codes.js';
import { type RestartSettings, restartSettings } from './restart-policy.js';
import {
  DEV_CREDENTIALS_DIR,
  expandVariables,
  type StackFile,
  serviceDatabaseUrl,
  serviceReferences,
} from './stack-file.js';

/** Every service of the stack runs on loopback. */
export const STACK_HOST = '127.0.0.1';

/** A service as `up` runs it: its final port, its URL, and its env with references filled in. */
export interface ResolvedService {
  readonly name: string;
  /** Absolute path of the TypeScript entry point. */
  readonly entry: string;
  readonly port: number;
  readonly url: string;
  /** The plain-HTTP port that redirects to `url`, for a service with `https.redirectPort`. */
  readonly redirectPort?: number;
  /** What `up` makes for it on first start (dev-credentials.ts). */
  readonly devCredentials?: {
    readonly certificate: boolean;
    readonly apiKey?: { readonly subject: string; readonly scopes: readonly string[] };
  };
  readonly env: Readonly<Record<string, string>>;
  /** What to do when it exits while serving; `resolveStack` fills in the defaults (`no`). */
  readonly restart?: RestartSettings;
}

/** Port choices from the command line; they win over the stack file. */
export interface PortOverrides {
  /** Services get base, base+1, … in file order. */
  readonly base?: number | undefined;
  /** One service's port; applied after `base`. */
  readonly ports?: ReadonlyArray<{ service: string; port: number }>;
}

/**
 * Applies the port overrides, then fills in each `${<service>.url}` and `${<service>.port}` in the
 * services' env, so a dependent (core-api's BULWARK_LEDGER_URL) follows the service it names.
 * Refuses what would silently miswire the stack: an unknown service, two services on one port,
 * a port out of range, and a literal loopback URL that still names a port an override moved.
 * With `databaseUrls`, a service with a `database:` block is told where it is (databaseEnv).
 */
export function resolveStack(
  stack: StackFile,
  root: string,
  overrides: PortOverrides = {},
  options: { databaseUrls?: boolean } = {},
): ResolvedService[] {
  const names = stack.services.map((service) => service.name);
  const ports = new Map(stack.services.map((service) => [service.name, service.port]));
  if (overrides.base !== undefined) {
    const last = overrides.base + stack.services.length - 1;
    if (last > 65_535) {
      throw new UsageError(
        `--port-base ${overrides.base} puts ${stack.services.length} services past port 65535`,
      );
    }
    stack.services.forEach((service, index) => {
      ports.set(service.name, overrides.base! + index);
    });
  }
  for (const { service, port } of overrides.ports ?? []) {
    if (!ports.has(service)) {
      throw new UsageError(
        `--port ${service}=${port}: no service ${service} (${names.join(', ')})`,
      );
    }
    ports.set(service, port);
  }
  // Redirect listeners come after the services: with --port-base, on the ports after theirs.
  const redirectPorts = new Map<string, number>();
  let nextRedirect = (overrides.base ?? 0) + stack.services.length;
  for (const service of stack.services) {
    const declared = service.https?.redirectPort;
    if (declared === undefined) continue;
    redirectPorts.set(service.name, overrides.base === undefined ? declared : nextRedirect++);
  }
  const owners = new Map<number, string>();
  for (const [name, port] of [
    ...ports,
    ...[...redirectPorts].map(([name, port]) => [`${name}'s redirect`, port] as const),
  ]) {
    const other = owners.get(port);
    if (other !== undefined) {
      throw new UsageError(`port ${port} would be used by both ${other} and ${name}`);
    }
    owners.set(port, name);
  }

  const moved = new Map<number, string>();
  for (const service of stack.services) {
    if (ports.get(service.name) !== service.port) moved.set(service.port, service.name);
  }
  const https = new Set(stack.services.filter((s) => s.https).map((s) => s.name));
  const urlOf = (name: string) =>
    `${https.has(name) ? 'https' : 'http'}://${STACK_HOST}:${ports.get(name)}`;
  const credentialsDir = devCredentialsDir(stack, root);

  return stack.services.map((service) => {
    const env: Record<string, string> = {};
    for (const [variable, value] of Object.entries(service.env ?? {})) {
      refuseStaleLiteral(service.name, variable, value, moved, ports);
      let filled = expandVariables(`${service.name}'s ${variable}`, value);
      for (const reference of serviceReferences(filled)) {
        // The stack file loader has refused every other kind of reference.
        if (reference.environment) continue;
        const target = reference.service!;
        const replacement = reference.field === 'port' ? String(ports.get(target)) : urlOf(target);
        filled = filled.replace(reference.text, () => replacement);
      }
      env[variable] = filled;
    }
    const entry = resolve(root, service.entry);
    if (!existsSync(entry)) {
      throw new UsageError(`${service.name}'s entry ${entry} does not exist`);
    }
    const port = ports.get(service.name)!;
    const redirectPort = redirectPorts.get(service.name);
    // What the stack file's env says explicitly wins over what up derives.
    const derived: Record<string, string> = {};
    if (service.https) {
      derived.BULWARK_TLS_CERT_FILE = resolve(credentialsDir, `${service.name}.pem`);
      derived.BULWARK_TLS_KEY_FILE = resolve(credentialsDir, `${service.name}-key.pem`);
      if (redirectPort !== undefined) derived.BULWARK_TLS_REDIRECT_PORT = String(redirectPort);
    }
    // Only for processes that serve (`up`): others that run an entry (contract snapshots write
    // a document and exit) must not open, or collide with, the stack's data directories.
    if (service.database && options.databaseUrls) {
      Object.assign(
        derived,
        databaseEnv(service.name, serviceDatabaseUrl(service.name, service.database, root)),
      );
    }
    if (service.apiKey) {
      derived.BULWARK_AUTH = 'required';
      derived.BULWARK_API_KEYS = resolve(credentialsDir, `${service.name}.api-keys.json`);
    }
    const credentials =
      service.https || service.apiKey
        ? {
            devCredentials: {
              certificate: service.https !== undefined,
              ...(service.apiKey ? { apiKey: service.apiKey } : {}),
            },
          }
        : {};
    return {
      name: service.name,
      entry,
      port,
      url: urlOf(service.name),
      ...(redirectPort === undefined ? {} : { redirectPort }),
      ...credentials,
      env: { ...derived, ...env },
      restart: restartSettings(service.restart),
    };
  });
}

/**
 * How a service learns its database, by the rule every service follows (@bulwark/db's
 * databaseUrlFromEnv): a postgres:// URL (or memory://) as DATABASE_URL; a PGlite directory as
 * BULWARK_<SERVICE>_DATA_DIR, with DATABASE_URL emptied so one exported in the shell cannot
 * take precedence. The directory is not put in DATABASE_URL because the ledger service accepts
 * only a postgres:// URL there.
 */
export function databaseEnv(service: string, url: string): Record<string, string> {
  if (/^postgres(ql)?:\/\//i.test(url) || url === 'memory://') return { DATABASE_URL: url };
  const variable = `BULWARK_${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DATA_DIR`;
  return { DATABASE_URL: '', [variable]: url };
}

/** Where `up` keeps the stack's development certificates and API keys (dev-credentials.ts). */
export function devCredentialsDir(stack: StackFile, root: string): string {
  return resolve(root, stack.devCredentials?.dir ?? DEV_CREDENTIALS_DIR);
}

const LOOPBACK_PORT = /(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/g;

/** A literal `127.0.0.1:8081` would keep pointing where the service no longer is. */
function refuseStaleLiteral(
  service: string,
  variable: string,
  value: string,
  moved: ReadonlyMap<number, string>,
  ports: ReadonlyMap<string, number>,
): void {
  for (const match of value.matchAll(LOOPBACK_PORT)) {
    const target = moved.get(Number(match[1]));
    if (target === undefined) continue;
    throw new UsageError(
      `${service}'s ${variable} names port ${match[1]}, but ${target} now runs on ` +
        `${ports.get(target)}; write \${${target}.url} in the stack file so it follows`,
    );
  }
}
