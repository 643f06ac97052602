import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { jsonPointerPath } from '@bulwark/kit';
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { interpolate } from '../audit/compose/interpolate.js';
import { decodeInput } from '../audit/input-text.js';
import type { Location } from '../audit/model.js';
import { locate, type PathSegment, parseYamlStream } from '../audit/yaml-tree.js';
import type { CheckRegistry } from '../checks/registry.js';
import { registerPlanPlugins } from './plugins.js';
import { Plan } from './schema.js';

/**
 * Reading a plan: YAML (with the audit's input limits: size, binary, nesting depth, alias
 * expansion) → JSON Schema validation with defaults → the references schema cannot express
 * (unique ids, known checks and their parameters, gates and waivers naming what exists).
 * Every error names the place in the file: `plan.yaml:12:7: criteria[3].checks[0].check: ...`.
 */
export class PlanError extends Error {
  readonly code = 'BW_PLAN_INVALID';
}

export interface LoadedPlan {
  readonly plan: Plan;
  /** Absolute path of the plan file. */
  readonly path: string;
  /** The plan's directory: relative paths in the plan resolve against it. */
  readonly dir: string;
  readonly text: string;
  /** SHA-256 of the file's bytes, hex: the bundle records which plan it verified. */
  readonly sha256: string;
}

/**
 * Service and database URLs, and the `url` and `to` a check binding's `with` names (tls.redirect's
 * plain-HTTP address), may name environment variables, compose-style
 * (`${CORE_API_URL:-http://127.0.0.1:8080}`), so one plan follows a stack whose ports moved and
 * keeps passwords out of the file. Nothing else in a plan is interpolated: criteria and waivers
 * mean the same whoever runs them.
 */
export type PlanVariables = Readonly<Record<string, string | undefined>>;

export async function loadPlan(
  path: string,
  registry: CheckRegistry,
  variables: PlanVariables = process.env,
): Promise<LoadedPlan> {
  const absolute = resolve(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code;
    throw new PlanError(`${path}: cannot read the plan (${why ?? (error as Error).message})`);
  }
  const decoded = decodeInput(bytes);
  if (!decoded.ok) throw new PlanError(`${path}: ${decoded.reason}`);
  await registerPlanPlugins(
    decoded.text,
    path,
    dirname(absolute),
    registry,
    (location, message) => {
      throw new PlanError(`${location.file}:${location.line}:${location.column}: ${message}`);
    },
  );
  const plan = parsePlan(decoded.text, path, registry, variables);
  return {
    plan,
    path: absolute,
    dir: dirname(absolute),
    text: decoded.text,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

export function parsePlan(
  text: string,
  displayPath: string,
  registry: CheckRegistry,
  variables: PlanVariables = process.env,
): Plan {
  const docs = parseYamlStream(text, displayPath);
  const start: Location = { file: displayPath, line: 1, column: 1 };
  const fail = (location: Location, message: string): never => {
    throw new PlanError(`${location.file}:${location.line}:${location.column}: ${message}`);
  };
  if (docs.length === 0 || docs[0]?.value === undefined) {
    const error = docs[0]?.errors[0];
    if (error) fail(error.location, error.message);
    fail(start, 'the plan is empty');
  }
  if (docs.length > 1) fail(start, 'a plan is one YAML document; this file holds several');
  const [doc] = docs as [(typeof docs)[number]];
  if (doc.errors[0]) fail(doc.errors[0].location, doc.errors[0].message);
  const root = doc.value;
  const at = (path: readonly PathSegment[]) => locate(root, path, start);

  interpolateUrls(root, variables, (path, message) =>
    fail(at(path), `${describePath(path)}: ${message}`),
  );
  const validate = planValidator();
  if (!validate(root)) {
    const error = mostSpecific(validate.errors ?? []);
    const path = jsonPointerPath(error.instancePath);
    // An unknown field is best shown where it is written, not where its parent starts.
    const where =
      error.keyword === 'additionalProperties'
        ? [...path, (error.params as { additionalProperty: string }).additionalProperty]
        : path;
    fail(at(where), `${describePath(path)}: ${describeError(error)}`);
  }
  const plan = root as Plan;
  checkReferences(plan, registry, (path, message) =>
    fail(at(path), `${describePath(path)}: ${message}`),
  );
  return plan;
}

type Report = (path: PathSegment[], message: string) => never;

function interpolateUrls(root: unknown, variables: PlanVariables, report: Report): void {
  const environments = (root as { environments?: unknown }).environments;
  if (typeof environments !== 'object' || environments === null) return;
  const env = new Map(
    Object.entries(variables).filter((e): e is [string, string] => e[1] !== undefined),
  );
  for (const [name, environment] of Object.entries(environments)) {
    for (const list of ['services', 'databases'] as const) {
      const items = (environment as Record<string, unknown> | null)?.[list];
      if (!Array.isArray(items)) continue;
      items.forEach((item: unknown, i) => {
        const url = (item as { url?: unknown } | null)?.url;
        if (typeof url !== 'string' || !url.includes('$')) return;
        const result = interpolate(url, env);
        if (result.provenance === 'unset' && result.value === '') {
          report(['environments', name, list, i, 'url'], `${url} names a variable that is not set`);
        }
        (item as { url: string }).url = result.value;
      });
    }
  }
  const criteria = (root as { criteria?: unknown }).criteria;
  if (!Array.isArray(criteria)) return;
  criteria.forEach((criterion: unknown, i) => {
    const checks = (criterion as { checks?: unknown } | null)?.checks;
    if (!Array.isArray(checks)) return;
    checks.forEach((binding: unknown, j) => {
      const params = (binding as { with?: unknown } | null)?.with as
        | Record<string, unknown>
        | undefined;
      for (const field of ['url', 'to'] as const) {
        const value = params?.[field];
        if (typeof value !== 'string' || !value.includes('$')) continue;
        const result = interpolate(value, env);
        if (result.provenance === 'unset' && result.value === '') {
          report(
            ['criteria', i, 'checks', j, 'with', field],
            `${value} names a variable that is not set`,
          );
        }
        (params as Record<string, string>)[field] = result.value;
      }
    });
  });
}

function checkReferences(plan: Plan, registry: CheckRegistry, report: Report): void {
  const ids = new Map<string, number>();
  plan.criteria.forEach((criterion, i) => {
    const first = ids.get(criterion.id);
    if (first !== undefined) {
      report(['criteria', i, 'id'], `duplicate id ${criterion.id} (also criteria[${first}])`);
    }
    ids.set(criterion.id, i);
  });
  const services = new Set(
    Object.values(plan.environments).flatMap((env) => env.services.map((s) => s.name)),
  );
  plan.criteria.forEach((criterion, i) => {
    criterion.checks?.forEach((binding, j) => {
      const plugin = registry.get(binding.check);
      if (!plugin) {
        const known = registry.list().map((p) => p.id);
        report(
          ['criteria', i, 'checks', j, 'check'],
          `unknown check ${binding.check}; known checks: ${known.join(', ')}`,
        );
        return;
      }
      const params = (binding as { with?: Record<string, unknown> }).with ?? {};
      (binding as { with?: Record<string, unknown> }).with = params;
      const validate = paramsValidator(plugin.id, plugin.params);
      if (!validate(params)) {
        const error = mostSpecific(validate.errors ?? []);
        const path = ['criteria', i, 'checks', j, 'with', ...jsonPointerPath(error.instancePath)];
        report(path, `${plugin.id}: ${describeError(error)}`);
      }
      binding.services?.forEach((name, k) => {
        if (!services.has(name)) {
          report(
            ['criteria', i, 'checks', j, 'services', k],
            `no environment has a service named ${name}`,
          );
        }
      });
    });
  });
  plan.waivers?.forEach((waiver, i) => {
    if (!ids.has(waiver.criterion)) {
      report(['waivers', i, 'criterion'], `no criterion has id ${waiver.criterion}`);
    }
    waiver.environments?.forEach((env, k) => {
      if (!(env in plan.environments)) {
        report(['waivers', i, 'environments', k], `no environment named ${env}`);
      }
    });
  });
  for (const [name, gate] of Object.entries(plan.gates ?? {})) {
    if (!(gate.from in plan.environments)) {
      report(['gates', name, 'from'], `no environment named ${gate.from}`);
    }
    if (gate.require !== 'all') {
      gate.require.forEach((id, k) => {
        if (!ids.has(id)) report(['gates', name, 'require', k], `no criterion has id ${id}`);
      });
    }
  }
}

// One ajv for plans and check parameters: defaults filled in, no type coercion (a plan that
// says `p95Ms: "200"` is wrong, not quietly right), every error collected to pick the best.
let ajv: Ajv | undefined;
let compiledPlan: ValidateFunction | undefined;
const compiledParams = new Map<string, { schema: TSchema; validate: ValidateFunction }>();

function planAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
    addFormats(ajv);
  }
  return ajv;
}

function planValidator(): ValidateFunction {
  compiledPlan ??= planAjv().compile(Plan);
  return compiledPlan;
}

function paramsValidator(id: string, schema: TSchema): ValidateFunction {
  const cached = compiledParams.get(id);
  if (cached && cached.schema === schema) return cached.validate;
  const validate = planAjv().compile(schema);
  compiledParams.set(id, { schema, validate });
  return validate;
}

/** The deepest error is the one nearest the mistake; among equals, prefer a named property. */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject {
  const depth = (e: ErrorObject) =>
    jsonPointerPath(e.instancePath).length + (e.keyword === 'additionalProperties' ? 1 : 0);
  const sorted = [...errors].sort((a, b) => depth(b) - depth(a));
  const deepest = sorted[0] as ErrorObject;
  // A union of literals fails once per member plus once for the union: report the union.
  const union = sorted.find(
    (e) =>
      e.instancePath === deepest.instancePath && (e.keyword === 'anyOf' || e.keyword === 'oneOf'),
  );
  if (union && deepest.keyword === 'const') {
    const allowed = errors
      .filter((e) => e.instancePath === deepest.instancePath && e.keyword === 'const')
      .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
    return { ...union, message: `must be one of ${allowed.join(', ')}` };
  }
  return deepest;
}

function describeError(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)}`;
    case 'required':
      return `missing required field ${JSON.stringify((error.params as { missingProperty: string }).missingProperty)}`;
    case 'pattern':
      return error.parentSchema && typeof error.parentSchema.description === 'string'
        ? `must be ${error.parentSchema.description}`
        : (error.message ?? 'does not match its pattern');
    default:
      return error.message ?? 'is invalid';
  }
}

/** `['criteria', 3, 'checks', 0]` → `criteria[3].checks[0]`; the root is `plan`. */
export function describePath(path: readonly PathSegment[]): string {
  if (path.length === 0) return 'plan';
  return path
    .map((segment, i) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)
          ? `${i === 0 ? '' : '.'}${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}
