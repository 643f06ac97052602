import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ReleaseError } from '../errors.js';
import type { OwnedWaiver } from '../waivers/owned-waiver.js';

/**
 * One accepted secret: `{ id, rule?, path?, owner, reason, expires }`. `rule` and `path` narrow
 * it: with `path` (a glob) it covers the secret only where it is at that path, so the same key
 * turning up anywhere else still blocks.
 */
export interface BaselineEntry extends OwnedWaiver {
  readonly rule?: string;
  readonly path?: string;
  /** `file:line` of the entry. */
  readonly location: string;
}

const FIELDS = ['id', 'rule', 'path', 'owner', 'reason', 'expires'] as const;

function scalarText(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return String(node.value);
}

/**
 * Reads the secrets baseline. A missing file is an empty baseline; a file that is not YAML, or
 * not `secrets: [ … ]`, is a BW_RELEASE_WAIVERS error naming the file and line. Entries are
 * returned as written: judging them (owner, reason, expiry) is the caller's.
 */
export function loadSecretsBaseline(file: string, displayPath: string): BaselineEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new ReleaseError(
      'BW_RELEASE_WAIVERS',
      `cannot read ${displayPath}: ${code ?? 'unreadable'}`,
    );
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  const lineOf = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const [error] = document.errors;
  if (error) {
    const line = error.linePos?.[0].line ?? 1;
    const message = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+.*$/, '');
    throw new ReleaseError('BW_RELEASE_WAIVERS', `${displayPath}:${line}: ${message}`);
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isMap(root)) {
    throw new ReleaseError(
      'BW_RELEASE_WAIVERS',
      `${displayPath}:${lineOf(root)}: expected a map with a secrets list`,
    );
  }
  const list = root.get('secrets', true);
  if (list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) {
    throw new ReleaseError(
      'BW_RELEASE_WAIVERS',
      `${displayPath}:${lineOf(list as Node)}: secrets must be a list of entries`,
    );
  }
  return list.items.map((item) => {
    const location = `${displayPath}:${lineOf(item as Node)}`;
    const fields: Partial<Record<(typeof FIELDS)[number], string>> = {};
    if (isMap(item)) {
      for (const field of FIELDS) fields[field] = scalarText(item.get(field, true));
    }
    // An entry without an id covers nothing; it is still judged, so it shows up as a finding.
    return { ...fields, id: fields.id ?? '', location };
  });
}
