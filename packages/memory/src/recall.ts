import type { Kysely } from 'kysely';
import { exactSearch, indexSearch, type SearchRow, type SearchSettings } from './search-sql.js';

/** Ties at the k-th distance count as hits: float noise must not read as lost recall. */
const TIE_EPSILON = 1e-6;

export interface RecallProbe {
  /** The served answer (index search with iterative scan, exact fallback), ids in order. */
  served: string[];
  servedDistances: number[];
  /** The exact top-k ids, and the k-th exact distance (for tie-aware matching). */
  exact: string[];
  kthDistance: number;
}

/** Runs one golden query both ways inside the caller's transaction. */
export async function probe(
  trx: Kysely<unknown>,
  query: string,
  namespace: string,
  k: number,
  settings: SearchSettings,
): Promise<RecallProbe> {
  let served: SearchRow[] = await indexSearch(trx, query, { namespace }, k, settings);
  const exact = await exactSearch(trx, query, { namespace }, k);
  // The store's served search falls back to exact when the index comes back short.
  if (served.length < k && exact.length > served.length) served = exact;
  return {
    served: served.map((r) => r.id),
    servedDistances: served.map((r) => Number(r.distance)),
    exact: exact.map((r) => r.id),
    kthDistance: exact.length ? Number(exact[exact.length - 1]?.distance) : 0,
  };
}

/** Recall@k of served against exact, tie-aware: a served row as close as the k-th exact counts. */
export function recallOf(probes: readonly RecallProbe[]): number | null {
  let sum = 0;
  let counted = 0;
  for (const p of probes) {
    if (p.exact.length === 0) continue;
    const distances = p.servedDistances;
    const exact = new Set(p.exact);
    let hits = 0;
    p.served.forEach((id, i) => {
      if (
        exact.has(id) ||
        (distances[i] ?? Number.POSITIVE_INFINITY) <= p.kthDistance + TIE_EPSILON
      ) {
        hits++;
      }
    });
    sum += Math.min(hits, p.exact.length) / p.exact.length;
    counted++;
  }
  return counted === 0 ? null : sum / counted;
}

/**
 * Recall after a compression, against the exact top-k from before: an original counts as
 * found when the served answer returns it, or returns the merged memory whose provenance holds it.
 */
export function recallAgainstBefore(
  before: readonly RecallProbe[],
  after: readonly RecallProbe[],
  mergedInto: ReadonlyMap<string, string>,
): number | null {
  let sum = 0;
  let counted = 0;
  before.forEach((b, i) => {
    if (b.exact.length === 0) return;
    const served = new Set(after[i]?.served ?? []);
    let hits = 0;
    for (const id of b.exact) {
      const merged = mergedInto.get(id);
      if (served.has(id) || (merged !== undefined && served.has(merged))) hits++;
    }
    sum += hits / b.exact.length;
    counted++;
  });
  return counted === 0 ? null : sum / counted;
}
