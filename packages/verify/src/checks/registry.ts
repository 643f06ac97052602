import type { AnyCheckPlugin } from './check.js';

export class DuplicateCheckError extends Error {
  readonly code = 'BW_CHECK_DUPLICATE';
}

/**
 * The checks a plan may bind, by id. Built-in checks are registered by `defaultRegistry()`;
 * drills and team-written checks call `register` the same way (docs/writing-checks.md).
 */
export class CheckRegistry {
  readonly #plugins = new Map<string, AnyCheckPlugin>();

  constructor(plugins: Iterable<AnyCheckPlugin> = []) {
    for (const plugin of plugins) this.register(plugin);
  }

  register(plugin: AnyCheckPlugin): this {
    if (this.#plugins.has(plugin.id)) {
      throw new DuplicateCheckError(`check ${plugin.id} is already registered`);
    }
    this.#plugins.set(plugin.id, plugin);
    return this;
  }

  get(id: string): AnyCheckPlugin | undefined {
    return this.#plugins.get(id);
  }

  /** Sorted by id. */
  list(): AnyCheckPlugin[] {
    return [...this.#plugins.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
