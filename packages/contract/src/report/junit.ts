import type { ContractChange, ContractDiff } from '../model.js';
import { allowedNote, countsSentence, operationOf } from './change-wording.js';
import { xmlEscape } from './xml-escape.js';

/** The testcase of changes to the document as a whole (info, servers, security schemes …). */
const DOCUMENT_CASE = 'document';

function attributes(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([name, value]) => ` ${name}="${xmlEscape(String(value))}"`)
    .join('');
}

function property(name: string, value: string): string {
  return `<property${attributes({ name, value })}/>`;
}

const isBreaking = (change: ContractChange): boolean =>
  change.level === 'error' && change.excusedBy === undefined;

/**
 * `error request.property.removed: body field `note` removed (at /paths/…; in
 * #/components/schemas/Item)`, one line: the place of use, and the shared component to edit
 * when the change lies behind a `$ref`.
 */
function changeText(change: ContractChange, diff: ContractDiff): string {
  const note = allowedNote(change, diff);
  const where = change.component ? `${change.pointer}; in ${change.component}` : change.pointer;
  return `${change.level} ${change.classId}: ${change.message} (at ${where})${note ? ` (${note})` : ''}`;
}

/**
 * The changes per testcase: the document's own first (always present, so even an empty diff
 * reports one passing test), then one per operation in the order the diff first names it.
 */
function casesOf(diff: ContractDiff): Map<string, ContractChange[]> {
  const cases = new Map<string, ContractChange[]>([[DOCUMENT_CASE, []]]);
  for (const change of diff.changes) {
    const name = operationOf(change);
    const list = cases.get(name);
    if (list) list.push(change);
    else cases.set(name, [change]);
  }
  return cases;
}

/**
 * One testcase, failing when it holds an error-level change no version bump allowed. All of
 * its breaking changes go in ONE failure element (message: the first, and how many more),
 * because Jenkins and GitLab show only the first failure of a testcase; everything else it
 * holds (warnings, info, allowed errors) goes in system-out.
 */
function testcase(
  name: string,
  changes: readonly ContractChange[],
  diff: ContractDiff,
  classname: string,
): string {
  const open = `    <testcase${attributes({ classname, name, time: '0.000' })}`;
  if (changes.length === 0) return `${open}/>`;
  const breaking = changes.filter(isBreaking);
  const other = changes.filter((change) => !isBreaking(change));
  const body: string[] = [];
  const first = breaking[0];
  if (first) {
    const more = breaking.length > 1 ? ` (and ${breaking.length - 1} more)` : '';
    body.push(
      `      <failure${attributes({
        type: 'breaking',
        message: `${first.classId}: ${first.message}${more}`,
      })}>${xmlEscape(breaking.map((change) => changeText(change, diff)).join('\n'))}</failure>`,
    );
  }
  if (other.length > 0)
    body.push(
      `      <system-out>${xmlEscape(other.map((change) => changeText(change, diff)).join('\n'))}</system-out>`,
    );
  return `${open}>\n${body.join('\n')}\n    </testcase>`;
}

/**
 * JUnit XML for CI test tabs: one testsuite `contract`, one testcase per operation the diff
 * touches (`GET /v1/items/{id}`) plus one for document-level changes. A testcase fails when it
 * holds an error-level change that no version bump allowed; warnings never fail, as in the
 * verdict. Properties name both documents and the verdict.
 */
export function renderDiffJunit(diff: ContractDiff): string {
  const cases = casesOf(diff);
  const failing = [...cases.values()].filter((changes) => changes.some(isBreaking)).length;
  const totals = { tests: cases.size, failures: failing, errors: 0, skipped: 0, time: '0.000' };
  const props = [
    property('old.source', diff.old.source),
    property('old.title', diff.old.title),
    property('old.version', diff.old.version),
    property('old.openapi', diff.old.openapi),
    property('new.source', diff.new.source),
    property('new.title', diff.new.title),
    property('new.version', diff.new.version),
    property('new.openapi', diff.new.openapi),
    property('verdict', diff.verdict),
    property('summary', countsSentence(diff)),
  ];
  const classname = diff.new.title;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'bulwark contract diff', ...totals })}>`,
    `  <testsuite${attributes({ name: 'contract', ...totals })}>`,
    `    <properties>${props.join('')}</properties>`,
    ...[...cases].map(([name, changes]) => testcase(name, changes, diff, classname)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
