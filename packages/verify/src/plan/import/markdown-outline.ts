import { createRequire } from 'node:module';
import type {
  List,
  ListItem,
  Nodes,
  Paragraph,
  PhrasingContent,
  Root,
  RootContent,
  Table,
} from 'mdast';
import { repairMojibake } from './text-repair.js';

/**
 * The parts of a markdown plan the importer reads, with their line numbers: headings, the lists
 * and tables under them, and the label that introduces each list (`**Acceptance:**`,
 * `Action Items:`). Parsing is mdast's (CommonMark with GFM tables and task lists); only the
 * checkbox character is read from the item's own source line, because GFM knows `[ ]` and `[x]`
 * but plans also use `[~]` (doing) and `[-]` (deferred).
 */

export type Box = ' ' | 'x' | '~' | '-';

export interface OutlineHeading {
  readonly depth: number;
  readonly text: string;
  readonly line: number;
  /** From an `Owner: ...` (or `**Owner:** ...`) line in the heading's own section. */
  owner?: string;
}

export interface OutlineItem {
  /** 1-based line of the item's marker. */
  readonly line: number;
  /** Last line of the item, its nested lists included. */
  readonly endLine: number;
  readonly box?: Box;
  /** The item's first paragraph as plain text: inline markup, the box and ✅-style marks removed. */
  readonly text: string;
  /** A leading ✅ / ✔ / ☑ mark: the plan says this one is met. */
  readonly checkMark: boolean;
  /** The whole paragraph is one bold run ending in ':' (`**Performance:**`): it names a group. */
  readonly groupLabel: boolean;
  /** Nested items: `Owner:` and `Evidence:` lines among them. */
  readonly children: readonly OutlineItem[];
}

export interface OutlineContext {
  /** Enclosing headings, outermost first. */
  readonly headings: readonly OutlineHeading[];
  /** The line ending in ':' right before the block (`**Tasks:**`, `Action Items:`), without the colon. */
  readonly label?: string;
  /** What follows the label on its line (`✅ All Met` after `**Success Criteria:**`). */
  readonly labelRest?: string;
}

export interface OutlineList extends OutlineContext {
  readonly kind: 'list';
  readonly ordered: boolean;
  readonly items: readonly OutlineItem[];
}

export interface OutlineTable extends OutlineContext {
  readonly kind: 'table';
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<{ readonly line: number; readonly cells: readonly string[] }>;
}

export interface Outline {
  /** The first level-1 heading: the plan's title. */
  readonly title?: string;
  readonly blocks: ReadonlyArray<OutlineList | OutlineTable>;
  /** The text as parsed (mojibake repaired), split into lines without their endings. */
  readonly lines: readonly string[];
}

const BOX_LINE = /^\s*(?:[-*+]|\d{1,9}[.)])\s+\[([ xX~-])\](?=\s|$)/;
const CHECK_MARK = /^[✅✔☑]\uFE0F?\s*/u;
const OWNER_LINE = /^owners?\s*:\s*(.+)$/i;

/**
 * The markdown parser (about a hundred ES modules) is loaded by the first parse, not with the
 * package: imported eagerly it cost every importer of @bulwark/verify (each CLI command) over a
 * tenth of a second, though only importing a plan and writing back to it parse markdown.
 * `require` keeps parseMarkdown synchronous: the supported Node versions (20.19+, 22.13+) load
 * ES modules through require() without a warning, and share the instances `import` would give.
 */
const requireOnUse = createRequire(import.meta.url);

let parse: ((markdown: string) => Root) | undefined;

function markdownParser(): (markdown: string) => Root {
  if (!parse) {
    const { fromMarkdown } = requireOnUse(
      'mdast-util-from-markdown',
    ) as typeof import('mdast-util-from-markdown');
    const { gfmTableFromMarkdown } = requireOnUse(
      'mdast-util-gfm-table',
    ) as typeof import('mdast-util-gfm-table');
    const { gfmTaskListItemFromMarkdown } = requireOnUse(
      'mdast-util-gfm-task-list-item',
    ) as typeof import('mdast-util-gfm-task-list-item');
    const { gfmTable } = requireOnUse(
      'micromark-extension-gfm-table',
    ) as typeof import('micromark-extension-gfm-table');
    const { gfmTaskListItem } = requireOnUse(
      'micromark-extension-gfm-task-list-item',
    ) as typeof import('micromark-extension-gfm-task-list-item');
    parse = (markdown) =>
      fromMarkdown(markdown, {
        extensions: [gfmTable(), gfmTaskListItem()],
        mdastExtensions: [gfmTableFromMarkdown(), gfmTaskListItemFromMarkdown()],
      });
  }
  return parse;
}

/**
 * CommonMark with GFM's tables and task lists only: autolinks and strikethrough would cost time
 * and could take the `~` of a `[~]` box for a strikethrough delimiter.
 */
export function parseMarkdown(markdown: string): Root {
  return markdownParser()(markdown);
}

export function readOutline(markdown: string): Outline {
  const text = repairMojibake(markdown);
  const lines = text.split(/\r\n|\r|\n/);
  const root = parseMarkdown(text);
  const blocks: Array<OutlineList | OutlineTable> = [];
  const headings: OutlineHeading[] = [];
  let title: string | undefined;

  const visit = (nodes: readonly RootContent[]) => {
    let previous: RootContent | undefined;
    for (const node of nodes) {
      if (node.type === 'heading') {
        while ((headings.at(-1)?.depth ?? 0) >= node.depth) headings.pop();
        const heading = { depth: node.depth, text: inlineText(node.children), line: lineOf(node) };
        headings.push(heading);
        if (node.depth === 1 && title === undefined) title = heading.text;
      } else if (node.type === 'paragraph') {
        const owner = ownerIn(node);
        const current = headings.at(-1);
        if (owner && current && current.owner === undefined) current.owner = owner;
      } else if (node.type === 'list') {
        blocks.push({
          kind: 'list',
          ordered: node.ordered === true,
          items: node.children.map((item) => readItem(item, lines)),
          ...context(headings, previous),
        });
      } else if (node.type === 'table') {
        blocks.push({ kind: 'table', ...readTable(node), ...context(headings, previous) });
      } else if (node.type === 'blockquote') {
        visit(node.children);
      }
      previous = node;
    }
  };
  visit(root.children);
  return { ...(title === undefined ? {} : { title }), blocks, lines };
}

function context(headings: readonly OutlineHeading[], previous: RootContent | undefined) {
  const label = previous?.type === 'paragraph' ? labelOf(previous) : undefined;
  return { headings: [...headings], ...label };
}

/** The paragraph's last line when it ends in ':', or a bold `**Label:**` that starts it. */
function labelOf(paragraph: Paragraph): { label: string; labelRest?: string } | undefined {
  const lastLine = inlineText(paragraph.children).split('\n').at(-1)?.trim() ?? '';
  if (lastLine.endsWith(':')) return { label: lastLine.slice(0, -1).trim() };
  const lastBreak = lastLineStart(paragraph.children);
  const lead = paragraph.children[lastBreak];
  if (lead?.type === 'strong') {
    const strong = inlineText(lead.children).trim();
    if (strong.endsWith(':')) {
      const rest = inlineText(paragraph.children.slice(lastBreak + 1)).trim();
      return { label: strong.slice(0, -1).trim(), ...(rest ? { labelRest: rest } : {}) };
    }
  }
  return undefined;
}

/** Index of the first inline node on the paragraph's last line. */
function lastLineStart(children: readonly PhrasingContent[]): number {
  for (let i = children.length - 1; i >= 0; i--) {
    const child = children[i] as PhrasingContent;
    if (child.type === 'break') return i + 1;
    if (child.type === 'text' && child.value.includes('\n')) {
      // A soft line break: the last line starts after it, inside this node when text follows it.
      return child.value.slice(child.value.lastIndexOf('\n') + 1).trim() === '' ? i + 1 : i;
    }
  }
  return 0;
}

function ownerIn(paragraph: Paragraph): string | undefined {
  for (const line of inlineText(paragraph.children).split('\n')) {
    const match = OWNER_LINE.exec(line.trim());
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

function readItem(item: ListItem, lines: readonly string[]): OutlineItem {
  const line = lineOf(item);
  const box = BOX_LINE.exec(lines[line - 1] ?? '')?.[1];
  const first = item.children[0];
  const paragraph = first?.type === 'paragraph' ? first : undefined;
  let text = paragraph
    ? inlineText(paragraph.children)
        .replace(/\s*\n\s*/g, ' ')
        .trim()
    : '';
  // GFM turned `[ ]`/`[x]` into `checked`; `[~]` and `[-]` are still at the start of the text.
  if (box && item.checked == null) text = text.replace(/^\[[~-]\]\s*/, '');
  const checkMark = CHECK_MARK.test(text);
  text = text.replace(CHECK_MARK, '');
  const groupLabel =
    paragraph !== undefined &&
    paragraph.children.length === 1 &&
    paragraph.children[0]?.type === 'strong' &&
    text.endsWith(':');
  const children = item.children
    .filter((child): child is List => child.type === 'list')
    .flatMap((list) => list.children.map((child) => readItem(child, lines)));
  return {
    line,
    endLine: item.position?.end.line ?? line,
    ...(box ? { box: box === 'X' ? 'x' : (box as Box) } : {}),
    text,
    checkMark,
    groupLabel,
    children,
  };
}

function readTable(table: Table) {
  const [head, ...body] = table.children;
  const cells = (row: (typeof table.children)[number]) =>
    row.children.map((cell) => inlineText(cell.children).trim());
  return {
    header: head ? cells(head) : [],
    rows: body.map((row) => ({ line: lineOf(row), cells: cells(row) })),
  };
}

function lineOf(node: Nodes): number {
  return node.position?.start.line ?? 1;
}

/** Plain text of inline content: code spans keep their text, hard breaks become newlines. */
export function inlineText(nodes: readonly Nodes[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text' || node.type === 'inlineCode') out += node.value;
    else if (node.type === 'break') out += '\n';
    else if ('children' in node) out += inlineText(node.children as Nodes[]);
  }
  return out;
}
