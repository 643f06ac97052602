import { changeClass } from '../classes.js';
import { ContractError } from '../errors.js';
import { CHANGE_LEVELS, type ChangeLevel } from '../model.js';

/**
 * Checks level overrides: every key a class id of the catalogue, every value error, warning or
 * info. Returns them typed; throws BW_CONTRACT_CONFIG naming `source` (a file) and the entry.
 */
export function checkLevelOverrides(
  levels: Readonly<Record<string, string>>,
  source?: string,
): Readonly<Record<string, ChangeLevel>> {
  const where = source === undefined ? 'levels' : `${source}: levels`;
  for (const [id, level] of Object.entries(levels)) {
    if (changeClass(id) === undefined) {
      throw new ContractError(
        'BW_CONTRACT_CONFIG',
        `${where}: unknown change class '${id}' (the classes are listed in docs/contracts.md)`,
      );
    }
    if (!(CHANGE_LEVELS as readonly string[]).includes(level)) {
      throw new ContractError(
        'BW_CONTRACT_CONFIG',
        `${where}: level of '${id}' must be error, warning or info, not '${String(level)}'`,
      );
    }
  }
  return levels as Readonly<Record<string, ChangeLevel>>;
}
