import { describe, expect, it } from 'vitest';
import { renderDiffMarkdown } from '../src/report/index.js';
import { change, diffOf } from './report-fixtures.js';

// The documents as a CI job names them: the committed contract and the build's output.
const inRepo = { oldSource: 'openapi/items.json', newSource: 'build/items.json' };
const pathBump = { infoMajor: false, pathMajors: ['/v1/old -> /v2/old'] };

const breaking = change(
  'error',
  'response.property.removed',
  'get',
  '/v1/b',
  'response.property.removed happened',
);
const allowed = change(
  'error',
  'operation.removed',
  'get',
  '/v1/old',
  'operation.removed happened',
  { excusedBy: 'path-major' },
);
const warning = change(
  'warning',
  'response.enum.value-added',
  'get',
  '/v1/b',
  'response.enum.value-added happened',
);
const infos = [
  change('info', 'operation.added', 'get', '/v1/c', 'operation.added happened'),
  change('info', 'operation.added', 'get', '/v1/d', 'operation.added happened'),
];

/** Matches any pictographic emoji: the status must be a word a screen reader or a log keeps. */
const EMOJI = /\p{Extended_Pictographic}/u;

describe('the Markdown report of a contract diff', () => {
  it('opens with FAIL, the totals and the documents when an error is not allowed', () => {
    const markdown = renderDiffMarkdown(
      diffOf([breaking, allowed, warning, ...infos], { ...inRepo, bumped: pathBump }),
    );
    const lines = markdown.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '### Contract diff: FAIL',
      '',
      '**FAIL**: 1 breaking, 1 allowed by a version bump, 1 warning, 2 info.',
      '',
      'Documents: Items API 1.4.0 → 1.5.0 (openapi/items.json → build/items.json)',
    ]);
    expect(markdown).toContain('Version bumps: /v1/old -> /v2/old.');
    expect(markdown).not.toMatch(EMOJI);
    expect(markdown.endsWith('\n')).toBe(true);
  });

  it('says PASS when only warnings and allowed errors remain', () => {
    const markdown = renderDiffMarkdown(diffOf([allowed, warning], inRepo));
    expect(markdown.startsWith('### Contract diff: PASS\n\n**PASS**: 0 breaking,')).toBe(true);
    expect(markdown).not.toMatch(EMOJI);
  });

  it('has one table per level, errors first, and marks the allowed error', () => {
    const markdown = renderDiffMarkdown(
      diffOf([...infos, warning, allowed, breaking], { ...inRepo, bumped: pathBump }),
    );
    const errors = markdown.indexOf('#### Errors (2)');
    const warnings = markdown.indexOf('#### Warnings (1)');
    const info = markdown.indexOf('<summary>Info (2)</summary>');
    expect(errors).toBeGreaterThan(0);
    expect(warnings).toBeGreaterThan(errors);
    expect(info).toBeGreaterThan(warnings);
    expect(markdown.split('| Level | Class | Operation | Change |')).toHaveLength(4);
    expect(markdown).toContain(
      '| error (allowed) | operation.removed | GET /v1/old | operation.removed happened *allowed: path major bumped, /v1/old -> /v2/old* |',
    );
    expect(markdown).toContain(
      '| error | response.property.removed | GET /v1/b | response.property.removed happened |',
    );
  });

  it('folds info changes into a closed details block and shows the others open', () => {
    const markdown = renderDiffMarkdown(diffOf([warning, ...infos], inRepo));
    const details = markdown.slice(markdown.indexOf('<details>'), markdown.indexOf('</details>'));
    expect(details).not.toContain(' open');
    expect(details).toContain('| info | operation.added | GET /v1/c |');
    expect(details).toContain('| info | operation.added | GET /v1/d |');
    expect(details).not.toContain('warning');
    expect(markdown.indexOf('| warning |')).toBeLessThan(markdown.indexOf('<details>'));
    // A blank line after <summary> and before </details>, or GitHub shows the table as text.
    expect(details).toMatch(/<\/summary>\n\n\| Level/);
    expect(markdown).toMatch(/\|\n\n<\/details>\n$/);
  });

  it('writes no table at all for identical documents', () => {
    const markdown = renderDiffMarkdown(diffOf([], inRepo));
    expect(markdown).toContain('**PASS**: no changes.');
    expect(markdown).not.toContain('| Level |');
    expect(markdown).not.toContain('<details>');
  });
});
