import type { EvidenceBundle } from '../evidence/model.js';

/**
 * The bundle as JSON, the machine format (`--format json`): every object's keys sorted, two-space
 * indent, one trailing newline. Sorted keys make the bytes depend only on the content, not on the
 * order a check happened to build its measurements in, so two renderings diff cleanly.
 */
export function renderJson(bundle: EvidenceBundle): string {
  return `${JSON.stringify(bundle, sortKeys, 2)}\n`;
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}
