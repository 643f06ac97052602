/**
 * What `git status --porcelain=v1 -z --untracked-files=all` says about the working tree, one
 * entry per path. Porcelain v1 is the format git promises to keep stable for scripts; with -z
 * paths are written raw (no quoting) and a rename carries its original path as the next field.
 */
export interface TreeChange {
  readonly path: string;
  /** The path before a rename or copy. */
  readonly from?: string;
  /** One phrase: `modified, not staged`, `added, staged`, `untracked`, `unmerged (both modified)`. */
  readonly state: string;
  readonly untracked: boolean;
}

const CHANGE_NAMES: Readonly<Record<string, string>> = {
  M: 'modified',
  T: 'type changed',
  A: 'added',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
};

const UNMERGED: Readonly<Record<string, string>> = {
  DD: 'both deleted',
  AU: 'added by us',
  UD: 'deleted by them',
  UA: 'added by them',
  DU: 'deleted by us',
  AA: 'both added',
  UU: 'both modified',
};

export function parsePorcelainStatus(output: string): TreeChange[] {
  const fields = output.split('\0');
  const changes: TreeChange[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? '';
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    const path = field.slice(3);
    const x = code[0] ?? ' ';
    const y = code[1] ?? ' ';
    // A rename or copy is followed by the path it came from.
    const from = x === 'R' || x === 'C' || y === 'R' || y === 'C' ? fields[++i] : undefined;
    changes.push({ path, ...(from ? { from } : {}), ...describe(code, x, y) });
  }
  return changes;
}

function describe(code: string, x: string, y: string): { state: string; untracked: boolean } {
  if (code === '??') return { state: 'untracked', untracked: true };
  if (code === '!!') return { state: 'ignored', untracked: false };
  const unmerged = UNMERGED[code];
  if (unmerged) return { state: `unmerged (${unmerged})`, untracked: false };
  const parts: string[] = [];
  if (x !== ' ') parts.push(`${CHANGE_NAMES[x] ?? x}, staged`);
  if (y !== ' ') parts.push(`${CHANGE_NAMES[y] ?? y}, not staged`);
  return { state: parts.join('; '), untracked: false };
}
