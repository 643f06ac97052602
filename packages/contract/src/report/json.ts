import type { ContractDiff } from '../model.js';

/** The schema id of the JSON report; a consumer checks it before reading the rest. */
export const CONTRACT_DIFF_SCHEMA = 'bulwark.contract-diff/v1';

/**
 * The diff as JSON, the machine format (`--format json`): the schema id first, then the diff as
 * the engine built it (its change order is stable), two-space indent, one trailing newline.
 */
export function renderDiffJson(diff: ContractDiff): string {
  return `${JSON.stringify({ schema: CONTRACT_DIFF_SCHEMA, ...diff }, null, 2)}\n`;
}
