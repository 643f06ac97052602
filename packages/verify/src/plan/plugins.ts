import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location } from '../audit/model.js';
import { locate, parseYamlStream } from '../audit/yaml-tree.js';
import type { AnyCheckPlugin } from '../checks/check.js';
import type { CheckRegistry } from '../checks/registry.js';

/**
 * A plan's `plugins`: modules of team-written checks, imported and registered before the plan
 * is validated, so their ids and parameters are checked like the built-in ones. A plan that
 * names plugins runs their code, as a test or lint configuration does: keep plans where code
 * is reviewed.
 */
export async function registerPlanPlugins(
  text: string,
  displayPath: string,
  planDir: string,
  registry: CheckRegistry,
  fail: (location: Location, message: string) => never,
): Promise<void> {
  const root = parseYamlStream(text, displayPath)[0]?.value;
  const list = (root as { plugins?: unknown } | undefined)?.plugins;
  if (!Array.isArray(list)) return;
  const start: Location = { file: displayPath, line: 1, column: 1 };
  for (const [i, spec] of list.entries()) {
    if (typeof spec !== 'string' || spec === '') continue; // the schema reports it
    const at = locate(root, ['plugins', i], start);
    let module: { default?: unknown };
    try {
      module = await import(pathToFileURL(resolve(planDir, spec)).href);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ERR_MODULE_NOT_FOUND' ? 'no such module' : firstLine((error as Error).message);
      fail(at, `plugins[${i}]: cannot load ${spec}: ${why}`);
    }
    const exported = module.default;
    const plugins = Array.isArray(exported) ? exported : [exported];
    for (const plugin of plugins) {
      if (!isCheckPlugin(plugin)) {
        fail(
          at,
          `plugins[${i}]: ${spec} must export a check plugin (id, description, params, scope, run) or an array of them as its default export`,
        );
      }
      const known = registry.get(plugin.id);
      if (known === plugin) continue; // the same module, loaded by an earlier plan
      if (known)
        fail(at, `plugins[${i}]: ${spec} registers ${plugin.id}, which is already a check`);
      registry.register(plugin);
    }
  }
}

function isCheckPlugin(value: unknown): value is AnyCheckPlugin {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(v.id) &&
    typeof v.description === 'string' &&
    typeof v.params === 'object' &&
    v.params !== null &&
    (v.scope === 'service' || v.scope === 'environment') &&
    typeof v.run === 'function'
  );
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
}
