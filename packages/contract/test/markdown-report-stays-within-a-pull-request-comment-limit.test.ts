import { describe, expect, it } from 'vitest';
import type { ChangeLevel, ContractChange } from '../src/model.js';
import { renderDiffMarkdown } from '../src/report/index.js';
import { change, diffOf } from './report-fixtures.js';

const many = (level: ChangeLevel, classId: string, n: number): ContractChange[] =>
  Array.from({ length: n }, (_, i) =>
    change(
      level,
      classId,
      'get',
      `/v1/resource${i}/{id}`,
      `response 200 (application/json) field \`audit.revision\` (${level} ${i})`,
      { pointer: `/paths/~1v1~1resource${i}~1{id}/get/responses/200` },
    ),
  );

/** GitHub refuses an issue or pull-request comment longer than this. */
const GITHUB_COMMENT_LIMIT = 65_536;

const rowsOf = (markdown: string, level: string) =>
  markdown.split('\n').filter((line) => line.startsWith(`| ${level} |`));

describe('the Markdown report of a large contract diff', () => {
  // A shared schema gaining a field shows up in every operation that uses it.
  const diff = diffOf([
    ...many('error', 'response.property.removed', 40),
    ...many('warning', 'response.enum.value-added', 100),
    ...many('info', 'response.property.added', 3000),
  ]);

  it('fits in a GitHub comment, showing every error and counting the info rows it leaves out', () => {
    const markdown = renderDiffMarkdown(diff);
    expect(markdown.length).toBeLessThanOrEqual(60_000);
    expect(markdown.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(rowsOf(markdown, 'error')).toHaveLength(40);
    expect(rowsOf(markdown, 'warning')).toHaveLength(100);
    const shownInfo = rowsOf(markdown, 'info').length;
    expect(shownInfo).toBeGreaterThan(0);
    expect(shownInfo).toBeLessThan(3000);
    expect(markdown).toContain(
      `${3000 - shownInfo} more not shown, to keep this comment within GitHub's size limit`,
    );
    // The totals always count everything, and the details block is still closed properly.
    expect(markdown).toContain('**FAIL**: 40 breaking, 100 warnings, 3000 info.');
    expect(markdown.trimEnd().endsWith('</details>')).toBe(true);
  });

  it('cuts info first, then warnings, and errors only when nothing else is left', () => {
    const markdown = renderDiffMarkdown(diff, { maxChars: 5_000 });
    expect(markdown.length).toBeLessThanOrEqual(5_000);
    const errors = rowsOf(markdown, 'error').length;
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThan(40);
    expect(markdown).toContain(`${40 - errors} more not shown`);
    expect(rowsOf(markdown, 'warning')).toHaveLength(0);
    expect(markdown).toContain('#### Warnings (100)\n\n100 not shown');
    expect(markdown).toContain('<summary>Info (3000)</summary>\n\n3000 not shown');
  });

  it('shows everything when it fits', () => {
    const small = diffOf([...many('error', 'operation.removed', 3), ...many('info', 'x', 5)]);
    const markdown = renderDiffMarkdown(small);
    expect(markdown).not.toContain('not shown');
    expect(rowsOf(markdown, 'info')).toHaveLength(5);
  });
});
