import pc from 'picocolors';
import type { ChangeLevel, ContractChange, ContractDiff } from '../model.js';
import {
  allowedNote,
  bumpsSentence,
  changesByLevel,
  countsSentence,
  operationOf,
  versionsSentence,
} from './change-wording.js';

export interface DiffConsoleOptions {
  /** ANSI colour; the CLI decides (NO_COLOR, pipes, `--format`), so nothing here detects it. */
  readonly color: boolean;
}

/** The styles the report uses: picocolors' palette, with colour on or off as the caller says. */
type Palette = ReturnType<typeof pc.createColors>;

/** Class ids longer than this do not widen the column for everyone else. */
const MAX_CLASS_WIDTH = 36;

/**
 * The diff for a terminal: a header (old title and version → new), the changes grouped by level
 * with errors first, one line each (`error    request.property.removed  POST /v1/items: …`),
 * errors a version bump allowed marked `(allowed: …)`, then the verdict and the totals
 * (`fail: 2 breaking, 1 warning, 4 info`).
 */
export function renderDiffConsole(diff: ContractDiff, options: DiffConsoleOptions): string {
  const p = pc.createColors(options.color);
  const out: string[] = [
    `${p.bold('contract diff')}  ${oneLine(versionsSentence(diff))}  ${p.dim(
      `${oneLine(diff.old.source)} → ${oneLine(diff.new.source)}`,
    )}`,
  ];
  const bumps = bumpsSentence(diff);
  if (bumps !== undefined) out.push(p.dim(`version bumps: ${oneLine(bumps)}`));
  const width = Math.min(
    MAX_CLASS_WIDTH,
    Math.max(0, ...diff.changes.map((change) => oneLine(change.classId).length)),
  );
  for (const group of changesByLevel(diff)) {
    out.push('');
    for (const change of group.changes) out.push(changeLine(change, diff, width, p));
  }
  out.push('', verdictLine(diff, p));
  return `${out.join('\n')}\n`;
}

function changeLine(change: ContractChange, diff: ContractDiff, width: number, p: Palette): string {
  const note = allowedNote(change, diff);
  const color = note === undefined ? levelColor(change.level, p) : p.yellow;
  const where = `${oneLine(operationOf(change))}: ${oneLine(change.message)}`;
  const allowed = note === undefined ? '' : `  ${p.yellow(`(${oneLine(note)})`)}`;
  return `  ${color(change.level.padEnd(7))}  ${p.bold(oneLine(change.classId).padEnd(width))}  ${where}${allowed}`;
}

function levelColor(level: ChangeLevel, p: Palette): (text: string) => string {
  switch (level) {
    case 'error':
      return p.red;
    case 'warning':
      return p.yellow;
    default:
      return p.dim;
  }
}

function verdictLine(diff: ContractDiff, p: Palette): string {
  const word = diff.verdict === 'fail' ? p.red(p.bold('fail')) : p.green(p.bold('pass'));
  return `${word}: ${countsSentence(diff)}`;
}

/**
 * Titles, paths and messages come from the documents, which a pull request can change: a
 * newline would break the layout, an escape sequence could drive the reader's terminal and a
 * bidirectional override could make a line read other than it is, so all become visible text.
 */
function oneLine(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ⏎ ')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
      const code = c.charCodeAt(0);
      return code < 0x100
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`;
    });
}
