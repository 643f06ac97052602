import { describe, expect, it } from 'vitest';
import { renderDiffMarkdown } from '../src/report/index.js';
import { change, diffOf } from './report-fixtures.js';

const versions = { oldVersion: '1.0.0', newVersion: '1.1.0' };

/** The cells of a table row, split on the pipes GitHub splits on: those not after a backslash. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = '';
  for (let i = 1; i < row.length - 1; i++) {
    const c = row[i] as string;
    if (c === '|' && row[i - 1] !== '\\') {
      out.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  out.push(cell.trim());
  return out;
}

const hostile = change(
  'error',
  'request.parameter.type-changed',
  'get',
  '/v1/items|{id}',
  'param `a|b` is now <b>int</b> *not* [string](http://x) & more\nsecond line\x07',
  { pointer: '/paths/x' },
);

describe('the Markdown report of a contract diff', () => {
  it('keeps a change with pipes, backticks and line breaks inside its four cells', () => {
    const markdown = renderDiffMarkdown(diffOf([hostile], versions));
    const rows = markdown.split('\n').filter((line) => line.startsWith('| error'));
    expect(rows).toHaveLength(1);
    const row = rows[0] as string;
    expect(cells(row)).toHaveLength(4);
    expect(cells(row)[2]).toBe('GET /v1/items\\|{id}');
    // Every backtick is escaped, so no code span opens and swallows the rest of the row.
    expect(row.match(/(?<!\\)`/g)).toBeNull();
    expect(row).toContain('param \\`a\\|b\\` is now');
  });

  it('escapes HTML, emphasis and link syntax so the message reads literally', () => {
    const row = renderDiffMarkdown(diffOf([hostile], versions))
      .split('\n')
      .find((line) => line.startsWith('| error')) as string;
    expect(row).toContain('\\<b>int\\</b>');
    expect(row).toContain('\\*not\\*');
    expect(row).toContain('\\[string\\](http://x) \\& more');
    // No `<` without its backslash: GitHub would read it as the start of an HTML tag.
    expect(row.match(/(?<!\\)</g)).toBeNull();
  });

  it('turns line breaks into spaces and control characters into visible text', () => {
    const markdown = renderDiffMarkdown(diffOf([hostile], versions));
    expect(markdown).toContain('more second line\\x07 |');
    expect(markdown).not.toContain('\x07');
    expect(markdown.split('\n').filter((line) => line.includes('second line'))).toHaveLength(1);
  });

  it('escapes the document title too, so it cannot open a heading or a code span', () => {
    const markdown = renderDiffMarkdown(diffOf([], { ...versions, title: '# `Items` | API' }));
    expect(markdown).toContain('Documents: # \\`Items\\` \\| API 1.0.0 → 1.1.0');
    expect(markdown.split('\n').some((line) => line.startsWith('# '))).toBe(false);
  });
});
