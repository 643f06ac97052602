import type { CriterionRecord, CriterionVerdict, EvidenceBundle } from '../evidence/model.js';
import { type Box, type OutlineItem, readOutline } from './import/markdown-outline.js';
import type { Criterion, Plan } from './schema.js';

/**
 * `bulwark plan status --write`: the markdown plan's checkboxes and evidence lines follow the
 * evidence, in place, and nothing else in the file changes (every other byte, line endings
 * included, stays as it was).
 *
 * Only checkbox items are written, because only they have a status to tick. For each imported
 * criterion whose line is still that item:
 * - the box: pass or waived → `[x]`; fail or error → `[ ]`, except that `[~]` (in progress) and
 *   `[-]` (deferred / accepted risk) stay as they are, since a failing check does not undo a
 *   decision to defer, nor the fact that work is under way; warn and skip leave the box alone;
 * - one evidence sub-item, `- Evidence: bulwark verify <bundle id> <finished at>: <verdict>
 *   (<reason>)`: replaced when a previous `Evidence: bulwark verify` line is there, otherwise
 *   added after the item's own evidence lines (the team's `Evidence:` lines are kept).
 * A manual verdict (nothing judged it) changes nothing. Plain bullets, numbered items and table
 * rows are left alone: giving them a checkbox would change the document's shape. A criterion
 * whose line no longer holds its text (the markdown was edited after the import) is skipped and
 * reported, never written to a line that now means something else.
 */

export interface WriteBackChange {
  readonly criterion: string;
  readonly line: number;
  readonly box?: { readonly from: Box; readonly to: Box };
  readonly evidence: 'added' | 'replaced' | 'unchanged';
}

export interface WriteBackSkip {
  readonly criterion: string;
  readonly reason: string;
}

export interface WriteBackResult {
  readonly text: string;
  readonly changes: readonly WriteBackChange[];
  readonly skipped: readonly WriteBackSkip[];
}

export const EVIDENCE_PREFIX = 'Evidence: bulwark verify ';
const MAX_REASON = 200;

interface Line {
  content: string;
  readonly eol: string;
}

export function writeBackMarkdown(markdown: string, plan: Plan, bundle: EvidenceBundle): string {
  return writeBack(markdown, plan, bundle).text;
}

export function writeBack(markdown: string, plan: Plan, bundle: EvidenceBundle): WriteBackResult {
  const lines = splitLines(markdown);
  const items = itemsByLine(readOutline(markdown));
  const records = new Map(bundle.criteria.map((record) => [record.id, record]));
  const insertions = new Map<number, string[]>();
  const changes: WriteBackChange[] = [];
  const skipped: WriteBackSkip[] = [];

  for (const criterion of plan.criteria) {
    const record = records.get(criterion.id);
    const source = criterion.source;
    if (!record || record.verdict === 'manual' || !source) continue;
    if (plan.source !== undefined && source.file !== plan.source) continue;
    const item = items.get(source.line);
    if (item?.box === undefined || !holds(item, criterion)) {
      // Plain items and table rows are left alone by design; a checkbox item that is no longer
      // on its line is reported, so the user knows to re-import.
      const moved = [...items.values()].find((i) => i.box !== undefined && holds(i, criterion));
      if (moved || item?.box !== undefined) {
        skipped.push({ criterion: criterion.id, reason: movedReason(source.line, moved?.line) });
      }
      continue;
    }
    const line = lines[source.line - 1] as Line;
    const to = newBox(item.box, record.verdict);
    if (to !== item.box) line.content = withBox(line.content, to);
    const evidenceText = evidenceLine(bundle, record);
    const previous = item.children.find(
      (child) => child.text.startsWith(EVIDENCE_PREFIX) && child.line === child.endLine,
    );
    let evidence: WriteBackChange['evidence'];
    if (previous) {
      const old = lines[previous.line - 1] as Line;
      const replaced = old.content.replace(
        /^(\s*(?:[-*+]|\d{1,9}[.)])\s+).*$/,
        `$1${evidenceText}`,
      );
      evidence = replaced === old.content ? 'unchanged' : 'replaced';
      old.content = replaced;
    } else {
      const after = lastEvidenceLine(item) ?? item.endLine;
      const indent = childIndent(lines, item);
      const list = insertions.get(after) ?? [];
      list.push(`${indent}- ${evidenceText}`);
      insertions.set(after, list);
      evidence = 'added';
    }
    changes.push({
      criterion: criterion.id,
      line: source.line,
      ...(to !== item.box ? { box: { from: item.box, to } } : {}),
      evidence,
    });
  }
  return { text: join(lines, insertions, dominantEol(lines)), changes, skipped };
}

function movedReason(line: number, now: number | undefined): string {
  const where = now === undefined ? '' : ` (it is on line ${now} now)`;
  return `line ${line} no longer holds this criterion${where}: the markdown changed after the import; re-import it`;
}

/** The item's text still starts the criterion's (which may add the item's details after it). */
function holds(item: OutlineItem, criterion: Criterion): boolean {
  return item.text !== '' && criterion.text.startsWith(item.text);
}

function newBox(current: Box, verdict: CriterionVerdict): Box {
  switch (verdict) {
    case 'pass':
    case 'waived':
      return 'x';
    case 'fail':
    case 'error':
      return current === '~' || current === '-' ? current : ' ';
    default:
      return current;
  }
}

function withBox(content: string, box: Box): string {
  return content.replace(/^(\s*(?:[-*+]|\d{1,9}[.)])\s+\[)[ xX~-](\])/, `$1${box}$2`);
}

function evidenceLine(bundle: EvidenceBundle, record: CriterionRecord): string {
  const reason = record.reason.replace(/\s+/g, ' ').trim();
  const clipped = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
  return `${EVIDENCE_PREFIX}${bundle.id} ${bundle.finishedAt}: ${record.verdict}${clipped ? ` (${clipped})` : ''}`;
}

function lastEvidenceLine(item: OutlineItem): number | undefined {
  const evidence = item.children.filter((child) => /^evidence\s*:/i.test(child.text));
  return evidence.at(-1)?.endLine;
}

/** Indentation of the item's sub-items: its first child's, else the column its text starts at. */
function childIndent(lines: readonly Line[], item: OutlineItem): string {
  const first = item.children[0];
  if (first) {
    const indent = /^(\s*)/.exec(lines[first.line - 1]?.content ?? '')?.[1];
    if (indent !== undefined) return indent;
  }
  const marker = /^(\s*(?:[-*+]|\d{1,9}[.)])\s+)/.exec(lines[item.line - 1]?.content ?? '')?.[1];
  return ' '.repeat(marker?.length ?? 2);
}

function itemsByLine(outline: ReturnType<typeof readOutline>): Map<number, OutlineItem> {
  const byLine = new Map<number, OutlineItem>();
  const add = (item: OutlineItem) => {
    byLine.set(item.line, item);
    for (const child of item.children) add(child);
  };
  for (const block of outline.blocks)
    if (block.kind === 'list') for (const i of block.items) add(i);
  return byLine;
}

/** Lines with their own endings, so joining them gives back the input byte for byte. */
function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const pattern = /([^\r\n]*)(\r\n|\r|\n|$)/g;
  for (const match of text.matchAll(pattern)) {
    if (match[0] === '' && match.index === text.length) break;
    lines.push({ content: match[1] ?? '', eol: match[2] ?? '' });
  }
  return lines;
}

function dominantEol(lines: readonly Line[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) if (line.eol) counts.set(line.eol, (counts.get(line.eol) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '\n';
}

function join(lines: readonly Line[], insertions: Map<number, string[]>, eol: string): string {
  let out = '';
  lines.forEach((line, i) => {
    const added = insertions.get(i + 1);
    if (!added) {
      out += line.content + line.eol;
      return;
    }
    // Inserted lines take the line ending of the line they follow (the file's usual one when
    // that line is the last and has none).
    const ending = line.eol || eol;
    out += line.content + ending;
    added.forEach((text, k) => {
      out += text + (k < added.length - 1 || line.eol ? ending : '');
    });
  });
  return out;
}
