import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import type { Location } from '../model.js';
import {
  isObject,
  metaOf,
  type NodeMeta,
  parseYamlStream,
  setMeta,
  type YamlObject,
} from '../yaml-tree.js';
import { type Environment, interpolate } from './interpolate.js';

/** One service of a compose project, after interpolation, merges, overrides and normalisation. */
export interface ComposeService {
  readonly name: string;
  readonly value: YamlObject;
  readonly at: Location;
  readonly profiles: readonly string[];
}

export interface ComposeProject {
  readonly file: string;
  readonly directory: string;
  readonly files: readonly string[];
  readonly services: readonly ComposeService[];
  readonly errors: ReadonlyArray<{ message: string; location: Location }>;
}

/** `compose.yaml` is extended by `compose.override.yaml` (any .yml/.yaml spelling), as `docker compose` does. */
export function overrideFileFor(file: string): string | undefined {
  const match = /^(.*)\.(ya?ml)$/.exec(basename(file));
  if (!match || match[1]?.endsWith('.override')) return undefined;
  for (const extension of ['yaml', 'yml']) {
    const candidate = join(dirname(file), `${match[1]}.override.${extension}`);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function isOverrideFile(file: string): boolean {
  return /\.override\.ya?ml$/.test(basename(file));
}

/** The project's .env, as compose reads it. The process environment is ignored: output must not depend on the shell. */
export function loadDotEnv(directory: string): Environment {
  const file = join(directory, '.env');
  if (!existsSync(file)) return new Map();
  const entries = Object.entries(parseEnv(readFileSync(file, 'utf8')));
  return new Map(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Whether a parsed YAML document is a compose file: a `services` mapping and no Kubernetes header. */
export function looksLikeCompose(value: unknown): value is YamlObject {
  return isObject(value) && isObject(value.services) && value.apiVersion === undefined;
}

export interface LoadOptions {
  /** Active profiles; undefined audits every service, whatever its profiles. */
  readonly profiles?: readonly string[];
  readonly displayPath: (absolute: string) => string;
}

export function loadComposeProject(
  file: string,
  text: string,
  options: LoadOptions,
): ComposeProject {
  const directory = dirname(file);
  const env = loadDotEnv(directory);
  const files = [file];
  const override = overrideFileFor(file);
  if (override) files.push(override);
  const errors: Array<{ message: string; location: Location }> = [];
  let merged: YamlObject | undefined;
  for (const path of files) {
    const source = path === file ? text : readFileSync(path, 'utf8');
    const [doc] = parseYamlStream(source, options.displayPath(path), {
      interpolate: (raw) => interpolate(raw, env),
    });
    if (!doc) continue;
    if (doc.errors.length > 0) {
      errors.push(...doc.errors);
      continue;
    }
    if (!isObject(doc.value)) continue;
    const normalised = normaliseProject(doc.value);
    merged = merged ? mergeValues(merged, normalised) : normalised;
  }
  const services: ComposeService[] = [];
  const servicesValue = merged && isObject(merged.services) ? merged.services : {};
  const servicesMeta = metaOf(servicesValue);
  const fallback: Location = { file: options.displayPath(file), line: 1, column: 1 };
  const activeProfiles = options.profiles ?? profilesFromEnv(env);
  for (const [name, value] of Object.entries(servicesValue).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (!isObject(value)) continue;
    const profiles = Array.isArray(value.profiles) ? value.profiles.map(String) : [];
    if (
      activeProfiles &&
      profiles.length > 0 &&
      !profiles.some((p) => activeProfiles.includes(p))
    ) {
      continue;
    }
    services.push({ name, value, at: servicesMeta?.keys.get(name) ?? fallback, profiles });
  }
  return {
    file: options.displayPath(file),
    directory,
    files: files.map(options.displayPath),
    services,
    errors,
  };
}

function profilesFromEnv(env: Environment): string[] | undefined {
  const value = env.get('COMPOSE_PROFILES');
  return value
    ? value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : undefined;
}

/** Converts the list forms compose accepts (environment, labels, depends_on) into their mapping forms, keeping locations. */
function normaliseProject(project: YamlObject): YamlObject {
  const services = isObject(project.services) ? project.services : {};
  for (const service of Object.values(services)) {
    if (!isObject(service)) continue;
    for (const key of ['environment', 'labels'] as const) {
      if (Array.isArray(service[key])) service[key] = listToMap(service[key] as unknown[], '=');
    }
    if (Array.isArray(service.depends_on)) service.depends_on = dependsOnToMap(service.depends_on);
  }
  return project;
}

function listToMap(list: unknown[], separator: string): YamlObject {
  const out: YamlObject = {};
  const listMeta = metaOf(list);
  const meta: NodeMeta = { at: listMeta?.at as Location, keys: new Map(), provenance: new Map() };
  list.forEach((entry, index) => {
    const text = String(entry);
    const at = text.indexOf(separator);
    const key = at < 0 ? text : text.slice(0, at);
    // `- KEY` with no value takes the value from the shell at run time: not a literal.
    out[key] = at < 0 ? undefined : text.slice(at + 1);
    const location = listMeta?.keys.get(index);
    if (location) meta.keys.set(key, location);
    const provenance = listMeta?.provenance.get(index) ?? (at < 0 ? 'unset' : undefined);
    if (provenance) meta.provenance.set(key, provenance);
  });
  if (listMeta) setMeta(out, meta);
  return out;
}

function dependsOnToMap(list: unknown[]): YamlObject {
  const out: YamlObject = {};
  const listMeta = metaOf(list);
  const meta: NodeMeta = { at: listMeta?.at as Location, keys: new Map(), provenance: new Map() };
  list.forEach((entry, index) => {
    const name = String(entry);
    // The short form means condition: service_started.
    out[name] = { condition: 'service_started', short: true };
    const location = listMeta?.keys.get(index);
    if (location) meta.keys.set(name, location);
  });
  if (listMeta) setMeta(out, meta);
  return out;
}

/** Sequences an override replaces rather than extends (compose-spec merge rules). */
const REPLACED_SEQUENCES = new Set(['command', 'entrypoint', 'test', 'profiles']);

/** Merges an override file into the base as compose does: mappings deep-merge, most sequences append. */
function mergeValues(base: YamlObject, override: YamlObject): YamlObject {
  const out: YamlObject = { ...base };
  const baseMeta = metaOf(base);
  const overrideMeta = metaOf(override);
  const meta: NodeMeta = {
    at: baseMeta?.at ?? (overrideMeta?.at as Location),
    keys: new Map(baseMeta?.keys),
    provenance: new Map(baseMeta?.provenance),
  };
  for (const [key, value] of Object.entries(override)) {
    const existing = out[key];
    if (isObject(existing) && isObject(value)) {
      out[key] = mergeValues(existing, value);
    } else if (Array.isArray(existing) && Array.isArray(value) && !REPLACED_SEQUENCES.has(key)) {
      const seen = new Set(existing.map((item) => JSON.stringify(item)));
      const appended = [...existing, ...value.filter((item) => !seen.has(JSON.stringify(item)))];
      const existingMeta = metaOf(existing);
      if (existingMeta) setMeta(appended, existingMeta);
      out[key] = appended;
    } else {
      out[key] = value;
      const provenance = overrideMeta?.provenance.get(key);
      if (provenance) meta.provenance.set(key, provenance);
      else meta.provenance.delete(key);
    }
    const location = overrideMeta?.keys.get(key);
    if (location && !(isObject(existing) && isObject(value))) meta.keys.set(key, location);
  }
  setMeta(out, meta);
  return out;
}
