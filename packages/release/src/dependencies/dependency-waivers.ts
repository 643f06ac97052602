import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ReleaseError } from '../errors.js';
import type { OwnedWaiver } from '../waivers/owned-waiver.js';

/**
 * Reads the dependency waivers file: `waivers: [{ id, owner, reason, expires }]`, where `id` is a
 * finding's id (`GHSA-…:<package>`) or an advisory alone (`GHSA-…`, for every package it hits).
 * A missing file is no waivers. Entries keep their `file:line`, so a bad waiver's finding says
 * where to fix it. A file that is not YAML, or entries without an id, cannot be judged at all:
 * ReleaseError BW_RELEASE_WAIVERS.
 */
export async function readDependencyWaivers(
  file: string,
  displayPath: string,
): Promise<OwnedWaiver[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ReleaseError('BW_RELEASE_WAIVERS', `cannot read ${displayPath}: ${reason}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number | undefined) => lines.linePos(offset ?? 0).line;
  const [syntax] = doc.errors;
  if (syntax) {
    const message = syntax.message.split('\n')[0];
    throw new ReleaseError(
      'BW_RELEASE_WAIVERS',
      `${displayPath}:${lineOf(syntax.pos[0])}: not valid YAML: ${message}`,
    );
  }
  if (doc.contents === null) return [];
  if (!isMap(doc.contents)) {
    throw new ReleaseError('BW_RELEASE_WAIVERS', `${displayPath}: expected a mapping with waivers`);
  }
  const list = doc.contents.get('waivers', true);
  if (list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) {
    throw new ReleaseError('BW_RELEASE_WAIVERS', `${displayPath}: waivers must be a list`);
  }
  return list.items.map((item) => {
    const line = lineOf((item as { range?: [number] }).range?.[0]);
    const location = `${displayPath}:${line}`;
    const entry: unknown = isMap(item) ? item.toJSON() : undefined;
    if (typeof entry !== 'object' || entry === null) {
      throw new ReleaseError('BW_RELEASE_WAIVERS', `${location}: a waiver must be a mapping`);
    }
    const fields = entry as Record<string, unknown>;
    const id = textOf(fields.id);
    if (!id) throw new ReleaseError('BW_RELEASE_WAIVERS', `${location}: waiver has no id`);
    const owner = textOf(fields.owner);
    const reason = textOf(fields.reason);
    const expires = textOf(fields.expires);
    return {
      id,
      location,
      ...(owner ? { owner } : {}),
      ...(reason ? { reason } : {}),
      ...(expires ? { expires } : {}),
    };
  });
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  // A YAML 1.1 reader would hand back a date; keep the day it names.
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).trim() || undefined;
}
