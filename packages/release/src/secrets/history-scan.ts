import { blobContents, blobSizes, reachableBlobs } from './git-objects.js';
import type { Repository } from './repository.js';
import { isBinary, type SecretSighting } from './scan-limits.js';
import { detectSecrets } from './secret-engine.js';

export interface HistoryScan {
  /** Each carries the blob it was found in; the caller looks up who introduced it. */
  readonly sightings: SecretSighting[];
  /** Text blobs scanned (the ones the tree scan already covered are not counted again). */
  readonly blobs: number;
  /** Blobs over the size bound, not scanned. */
  readonly tooLarge: number;
}

/**
 * Scans every blob reachable from any ref, each once, except those the tree scan already read
 * (`skip`, by blob id) and those whose path is excluded. Three git processes in all, whatever
 * the size of the history: one lists the blobs, one reads their sizes, one streams the contents.
 */
export async function scanHistory(
  repository: Repository,
  options: {
    excluded: (path: string) => boolean;
    maxBytes: number;
    skip: ReadonlySet<string>;
  },
): Promise<HistoryScan> {
  const paths = await reachableBlobs(repository.top);
  const candidates = [...paths]
    .filter(([id, path]) => !options.skip.has(id) && !options.excluded(path))
    .map(([id]) => id);
  const sizes = await blobSizes(repository.top, candidates);
  const wanted = candidates.filter((id) => (sizes.get(id) ?? 0) <= options.maxBytes);
  const sightings: SecretSighting[] = [];
  let blobs = 0;
  for await (const { id, content } of blobContents(repository.top, wanted)) {
    if (isBinary(content)) continue;
    blobs += 1;
    const path = paths.get(id) ?? id;
    for (const secret of await detectSecrets(content.toString('utf8'), path)) {
      sightings.push({ ...secret, path, blob: id });
    }
  }
  return { sightings, blobs, tooLarge: candidates.length - wanted.length };
}
