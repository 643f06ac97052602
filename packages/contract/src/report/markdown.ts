import type { ChangeLevel, ContractChange, ContractDiff } from '../model.js';
import {
  allowedNote,
  bumpsSentence,
  changesByLevel,
  countsSentence,
  operationOf,
  versionsSentence,
} from './change-wording.js';

const HEADINGS: Record<ChangeLevel, string> = {
  error: 'Errors',
  warning: 'Warnings',
  info: 'Info',
};

export interface DiffMarkdownOptions {
  /**
   * The longest text to return, in UTF-16 code units (never fewer than the characters GitHub
   * counts): GitHub refuses a comment over 65,536 characters. Rows that do not fit are counted instead of shown, errors
   * before warnings before info, so what fails the diff is the last thing cut. Default 60,000,
   * which leaves the poster room for a marker or a footer.
   */
  readonly maxChars?: number;
}

const DEFAULT_MAX_CHARS = 60_000;
/** Room kept for each level's heading and its "not shown" line once rows stop fitting. */
const ROOM_PER_LEVEL = 300;

/**
 * The diff as a pull-request comment (GitHub-flavoured Markdown): a verdict line with a plain
 * status word (PASS or FAIL, no emoji: it reads the same in mail, screen readers and logs), the
 * totals and the versions, then a table per level (Level | Class | Operation | Change), errors
 * first. Errors a version bump allowed say so in both the Level and the Change cell. Info
 * changes are folded in a `<details>` block: they never fail and can run to thousands (a shared
 * schema gaining a field touches every operation that uses it).
 */
export function renderDiffMarkdown(diff: ContractDiff, options: DiffMarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const status = diff.verdict === 'fail' ? 'FAIL' : 'PASS';
  const out: string[] = [
    `### Contract diff: ${status}`,
    '',
    `**${status}**: ${inline(countsSentence(diff))}.`,
    '',
    // Every line starts with our own word: a title starting `#` or `-` cannot become a heading.
    `Documents: ${inline(versionsSentence(diff))} (${inline(diff.old.source)} → ${inline(diff.new.source)})`,
  ];
  const bumps = bumpsSentence(diff);
  if (bumps !== undefined) out.push('', `Version bumps: ${inline(bumps)}.`);
  let used = lengthOf(out);
  // Once a level is cut, later (less important) levels show no rows: only their counts.
  let cut = false;
  const groups = changesByLevel(diff);
  for (const [index, group] of groups.entries()) {
    const title = `${HEADINGS[group.level]} (${group.changes.length})`;
    const rows = rowsOf(group.changes, diff);
    // Rows are added while they fit with room left for this and every later level's notes.
    const budget = maxChars - used - ROOM_PER_LEVEL * (groups.length - index);
    let shown = 0;
    let size = lengthOf(TABLE_HEAD);
    while (!cut && shown < rows.length && size + (rows[shown] as string).length + 1 <= budget) {
      size += (rows[shown] as string).length + 1;
      shown++;
    }
    const hidden = rows.length - shown;
    if (hidden > 0) cut = true;
    const body = [
      ...(shown > 0 ? [...TABLE_HEAD, ...rows.slice(0, shown)] : []),
      ...(hidden > 0
        ? [
            ...(shown > 0 ? [''] : []),
            `${hidden} ${shown > 0 ? 'more ' : ''}not shown, to keep this comment within GitHub's size limit: the JSON report lists every change.`,
          ]
        : []),
    ];
    const section =
      group.level === 'info'
        ? // The blank lines around the table let GitHub render Markdown inside the HTML block.
          ['', '<details>', `<summary>${title}</summary>`, '', ...body, '', '</details>']
        : ['', `#### ${title}`, '', ...body];
    out.push(...section);
    used += lengthOf(section);
  }
  return `${out.join('\n')}\n`;
}

/** The length of lines joined with newlines and ended by one. */
const lengthOf = (lines: readonly string[]): number =>
  lines.reduce((sum, line) => sum + line.length + 1, 0);

const TABLE_HEAD = ['| Level | Class | Operation | Change |', '| --- | --- | --- | --- |'];

function rowsOf(changes: readonly ContractChange[], diff: ContractDiff): string[] {
  return changes.map((change) => {
    const note = allowedNote(change, diff);
    const level = note === undefined ? change.level : `${change.level} (allowed)`;
    const text =
      note === undefined ? inline(change.message) : `${inline(change.message)} *${inline(note)}*`;
    return `| ${level} | ${inline(change.classId)} | ${inline(operationOf(change))} | ${text} |`;
  });
}

/**
 * Text from the documents, made literal for a table cell or a line: every character Markdown
 * or the table syntax would act on is backslash-escaped (`|` would end the cell, a backtick
 * open a code span, `<` start HTML (so `>` can stay as it is: no line starts with document text), `*` `_` `~` emphasis, `[` `]` a link, `&` an entity), line
 * breaks become spaces (a cell is one line) and control characters visible `\xNN`.
 */
function inline(text: string): string {
  return text
    .replace(/[\\`|*_~[\]<&]/g, (c) => `\\${c}`)
    .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')
    .replace(
      /[\u0000-\u001f\u007f-\u009f]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
    );
}
