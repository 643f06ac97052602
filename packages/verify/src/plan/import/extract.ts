import type { CriterionStatus } from '../schema.js';
import type {
  Box,
  Outline,
  OutlineContext,
  OutlineHeading,
  OutlineItem,
  OutlineList,
  OutlineTable,
} from './markdown-outline.js';
import { withoutPictographs } from './text-repair.js';

/**
 * Which parts of a markdown plan are criteria. One rule per construct (docs/cli-plan.md):
 *
 * - A checkbox item (`- [ ]`, `[~]`, `[x]`, `[-]`), anywhere: a criterion with the box's status.
 *   It is the tracker's own unit of progress, and the only kind `plan status --write` updates.
 * - A list item under a criteria label or heading (Acceptance, Success Criteria / Metrics,
 *   Checklist, Required, Exit / Readiness gate, Definition of done): a criterion. A bold label
 *   alone (`**Performance:**`) with a nested list names a group: each nested item is a criterion.
 * - A list item under an action label or heading (Tasks, Action Items, Next, Next Steps, a queue,
 *   To do, Backlog), numbered or not: a criterion; these are the plan's to-do items.
 * - A table row, when the table sits under such a label or heading or has a Status, Criterion,
 *   Acceptance, Requirement or Check column.
 * - Everything else (objectives, scope, deliverables, options, notes, risks, legends, code
 *   blocks) describes the work and is not imported.
 *
 * A list's label is the line ending in ':' right before it (`**Tasks:**`, `Action Items:`);
 * without one, its nearest heading decides. Nested items that are not themselves criteria become
 * part of their criterion's text; `Owner:` and `Evidence:` items become its owner and evidence.
 *
 * Status: the box when there is one; otherwise `done` for a ✅-marked item or under a label that
 * says "All Met", `deferred` under a heading that says "Deferred", else `todo`.
 */

export type CriterionKind = 'checkbox' | 'criteria-item' | 'action-item' | 'table-row';

export interface ExtractedCriterion {
  readonly kind: CriterionKind;
  readonly text: string;
  /** Enclosing headings (the title excluded), cleaned, outermost first. */
  readonly headings: readonly string[];
  readonly owner?: string;
  readonly status: CriterionStatus;
  readonly evidence: readonly string[];
  readonly line: number;
}

type Role = 'criteria' | 'action' | 'other';

const CRITERIA_WORDS =
  /\b(acceptance|success criteria|success metrics?|exit criteria|definition of done|checklist|readiness gate|required|requirements)\b/i;
const ACTION_WORDS =
  /\b(tasks?|action items?|next steps?|next|queue|to-?dos?|backlog|work items?)\b/i;
const TABLE_COLUMNS = /^(status|state|done|criteri(on|a)|acceptance|requirements?|checks?)$/i;
const OWNER_COLUMN = /^(owners?|assignee|responsible)$/i;
const STATUS_COLUMN = /^(status|state|done)$/i;
const OWNER_ITEM = /^owners?\s*:\s*(.+)$/i;
const EVIDENCE_ITEM = /^evidence\s*:\s*(.+)$/i;
const ALL_MET = /\ball met\b/i;
const DEFERRED_HEADING = /\bdeferred\b/i;
const MAX_TEXT = 4000;

const BOX_STATUS: Record<Box, CriterionStatus> = {
  ' ': 'todo',
  '~': 'doing',
  x: 'done',
  '-': 'deferred',
};

export function roleOf(text: string): Role {
  if (CRITERIA_WORDS.test(text)) return 'criteria';
  if (ACTION_WORDS.test(text)) return 'action';
  return 'other';
}

function blockRole(block: OutlineContext): Role {
  if (block.label !== undefined) return roleOf(block.label);
  const nearest = block.headings.at(-1);
  return nearest && nearest.depth > 1 ? roleOf(nearest.text) : 'other';
}

export function extractCriteria(outline: Outline): ExtractedCriterion[] {
  const found: ExtractedCriterion[] = [];
  for (const block of outline.blocks) {
    if (block.kind === 'list') found.push(...fromList(block));
    else found.push(...fromTable(block));
  }
  return found.sort((a, b) => a.line - b.line);
}

interface Placement {
  readonly headings: readonly string[];
  readonly sectionOwner?: string;
  readonly defaultStatus: CriterionStatus;
}

function placementOf(block: OutlineContext): Placement {
  const headings = block.headings.filter((h) => h.depth > 1);
  const deferred = headings.some((h) => DEFERRED_HEADING.test(h.text));
  const allMet = block.labelRest !== undefined && ALL_MET.test(block.labelRest);
  const owner = nearestOwner(block.headings);
  return {
    headings: headings.map((h) => withoutPictographs(h.text)),
    ...(owner ? { sectionOwner: owner } : {}),
    defaultStatus: allMet ? 'done' : deferred ? 'deferred' : 'todo',
  };
}

function nearestOwner(headings: readonly OutlineHeading[]): string | undefined {
  for (let i = headings.length - 1; i >= 0; i--) {
    const owner = headings[i]?.owner;
    if (owner) return owner;
  }
  return undefined;
}

function fromList(list: OutlineList): ExtractedCriterion[] {
  const role = blockRole(list);
  const placement = placementOf(list);
  const found: ExtractedCriterion[] = [];
  const visit = (item: OutlineItem, topLevel: boolean, groupPrefix?: string) => {
    if (item.box !== undefined) {
      found.push(criterion(item, 'checkbox', BOX_STATUS[item.box], placement, groupPrefix));
      for (const child of item.children) if (!isMeta(child)) visitNested(child);
      return;
    }
    if (topLevel && role !== 'other') {
      const kind = role === 'criteria' ? 'criteria-item' : 'action-item';
      if (item.groupLabel && item.children.length > 0 && groupPrefix === undefined) {
        for (const child of item.children) visit(child, true, item.text.replace(/:$/, ''));
        return;
      }
      const status = item.checkMark ? 'done' : placement.defaultStatus;
      found.push(criterion(item, kind, status, placement, groupPrefix));
      for (const child of item.children) if (!isMeta(child)) visitNested(child);
      return;
    }
    for (const child of item.children) visitNested(child);
  };
  // Below a criterion, only checkboxes are criteria of their own; other items are its details.
  const visitNested = (item: OutlineItem) => {
    if (item.box !== undefined) visit(item, false);
    else for (const child of item.children) visitNested(child);
  };
  for (const item of list.items) visit(item, true);
  return found;
}

function isMeta(item: OutlineItem): boolean {
  return OWNER_ITEM.test(item.text) || EVIDENCE_ITEM.test(item.text);
}

function criterion(
  item: OutlineItem,
  kind: CriterionKind,
  status: CriterionStatus,
  placement: Placement,
  groupPrefix: string | undefined,
): ExtractedCriterion {
  let owner: string | undefined;
  const evidence: string[] = [];
  const details: string[] = [];
  for (const child of item.children) {
    const ownerMatch = OWNER_ITEM.exec(child.text);
    const evidenceMatch = EVIDENCE_ITEM.exec(child.text);
    if (ownerMatch?.[1]) owner ??= ownerMatch[1].trim();
    else if (evidenceMatch?.[1]) evidence.push(evidenceMatch[1].trim());
    else if (child.box === undefined) details.push(flatten(child));
  }
  let text = item.text;
  if (details.length > 0) {
    text = `${text}${text.endsWith(':') ? '' : ':'} ${details.join('; ')}`;
  }
  if (groupPrefix) text = `${groupPrefix}: ${text}`;
  owner ??= placement.sectionOwner;
  return {
    kind,
    text: clip(text),
    headings: placement.headings,
    ...(owner ? { owner: clip(owner, 200) } : {}),
    status,
    evidence: evidence.map((e) => clip(e)),
    line: item.line,
  };
}

/** An item with its own nested items, as one line of text. */
function flatten(item: OutlineItem): string {
  const nested = item.children.filter((c) => c.box === undefined).map(flatten);
  if (nested.length === 0) return item.text;
  return `${item.text}${item.text.endsWith(':') ? '' : ':'} ${nested.join(', ')}`;
}

function fromTable(table: OutlineTable): ExtractedCriterion[] {
  const columnsSayCriteria = table.header.some((h) => TABLE_COLUMNS.test(h));
  if (blockRole(table) === 'other' && !columnsSayCriteria) return [];
  const placement = placementOf(table);
  const statusColumn = table.header.findIndex((h) => STATUS_COLUMN.test(h));
  const ownerColumn = table.header.findIndex((h) => OWNER_COLUMN.test(h));
  return table.rows
    .filter((row) => row.cells.some((cell) => cell !== ''))
    .map((row) => {
      const [first = '', ...rest] = row.cells;
      const described = rest
        .map((cell, i) => ({ name: table.header[i + 1] ?? '', cell }))
        .filter(({ cell }, i) => cell !== '' && i + 1 !== statusColumn && i + 1 !== ownerColumn)
        .map(({ name, cell }) => (name ? `${name}: ${cell}` : cell));
      const text = described.length > 0 ? `${first} (${described.join('; ')})` : first;
      const owner = ownerColumn >= 0 ? row.cells[ownerColumn] : placement.sectionOwner;
      const statusCell = statusColumn >= 0 ? row.cells[statusColumn] : undefined;
      return {
        kind: 'table-row' as const,
        text: clip(text),
        headings: placement.headings,
        ...(owner ? { owner: clip(owner, 200) } : {}),
        status: statusCell === undefined ? placement.defaultStatus : statusFromWords(statusCell),
        evidence: [],
        line: row.line,
      };
    });
}

/** A status cell in words or marks: `done`, `✅`, `[x]`, `in progress`, `deferred`, ... */
export function statusFromWords(cell: string): CriterionStatus {
  const text = cell.trim().toLowerCase();
  const box = /^\[([ x~-])\]/.exec(text)?.[1] as Box | undefined;
  if (box) return BOX_STATUS[box];
  if (/\bnot (yet )?(started|done|met)\b/.test(text)) return 'todo';
  if (/✅|✔|☑|\b(done|complete[d]?|met|pass(ed)?|yes)\b/u.test(text)) return 'done';
  if (/\b(in progress|doing|wip|started|ongoing|partial)\b/.test(text)) return 'doing';
  if (/\b(deferred|accepted risk|won'?t do|postponed|n\/a)\b/.test(text)) return 'deferred';
  return 'todo';
}

function clip(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
