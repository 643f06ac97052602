import { ConfigRegistryError } from './errors.js';
import type { LayerContribution } from './layers-merge.js';
import type { ConfigSchemaEntry } from './schemas.js';
import type { EnvBinding } from './schemas-annotations.js';
import { withValueAt } from './schemas-pointer.js';

const ON = ['1', 'true', 'on', 'yes'];
const OFF = ['0', 'false', 'off', 'no'];

/**
 * The environment layer: one contribution per `x-env` variable that is set, its text read as the
 * type the schema gives the key (so `NOTIFICATIONS_JANITOR_ENABLED=false` is the boolean false).
 * Unset or empty means "not overridden", as everywhere in the kit. Text that is not that type
 * is CONFIG_INVALID naming the variable and the key, without quoting the text: a variable set
 * by mistake to a secret must not end up in a log.
 */
export function environmentLayer(
  entry: Pick<ConfigSchemaEntry, 'envBindings' | 'label'>,
  env: Readonly<Record<string, string | undefined>>,
): LayerContribution[] {
  const contributions: LayerContribution[] = [];
  for (const binding of entry.envBindings) {
    const text = env[binding.variable];
    if (text === undefined || text.trim() === '') continue;
    const value = envValue(binding, text, entry.label);
    contributions.push({
      layer: 'env',
      origin: binding.variable,
      document: withValueAt({}, binding.pointer, value),
    });
  }
  return contributions;
}

function envValue(binding: EnvBinding, text: string, label: string): unknown {
  const word = text.trim();
  switch (binding.type) {
    case 'boolean': {
      const lower = word.toLowerCase();
      if (ON.includes(lower)) return true;
      if (OFF.includes(lower)) return false;
      throw badValue(binding, label, 'must be on or off (true/false, 1/0, on/off, yes/no)');
    }
    case 'integer': {
      const number = /^[+-]?\d+$/.test(word) ? Number(word) : Number.NaN;
      if (Number.isSafeInteger(number)) return number;
      throw badValue(binding, label, 'must be a whole number');
    }
    case 'number': {
      const number = word === '' ? Number.NaN : Number(word);
      if (Number.isFinite(number)) return number;
      throw badValue(binding, label, 'must be a number');
    }
    case 'array':
    case 'object': {
      let value: unknown;
      try {
        value = JSON.parse(word);
      } catch {
        // The parser's message quotes the text: not kept.
        throw badValue(binding, label, `must be a JSON ${binding.type}`);
      }
      const isArray = Array.isArray(value);
      const fits =
        binding.type === 'array'
          ? isArray
          : typeof value === 'object' && value !== null && !isArray;
      if (!fits) throw badValue(binding, label, `must be a JSON ${binding.type}`);
      return value;
    }
    default:
      return text;
  }
}

function badValue(binding: EnvBinding, label: string, expected: string): ConfigRegistryError {
  return new ConfigRegistryError(
    'CONFIG_INVALID',
    `config ${label}: ${binding.variable} ${expected}; it sets ${binding.pointer}`,
    { path: binding.pointer },
  );
}
