import { describe, expect, it } from 'vitest';
import { renderDiffJson } from '../src/report/index.js';
import { change, diffOf } from './report-fixtures.js';

const diff = diffOf(
  [
    change('error', 'operation.removed', 'delete', '/v1/items/{id}', 'operation removed', {
      pointer: '/paths/~1v1~1items~1{id}/delete',
      excusedBy: 'info.version',
    }),
    change('info', 'info.title.changed', undefined, undefined, 'title "a" → "b" \u2028 \x00', {
      pointer: '/info/title',
    }),
  ],
  {
    oldSource: 'old.yaml',
    newSource: 'new.yaml',
    oldOpenapi: '3.0.3',
    newVersion: '2.0.0',
    bumped: { infoMajor: true, pathMajors: [] },
  },
);

describe('the JSON report of a contract diff', () => {
  it('parses back to the schema id plus the whole diff', () => {
    const text = renderDiffJson(diff);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed).toEqual({ schema: 'bulwark.contract-diff/v1', ...diff });
    expect(Object.keys(parsed)[0]).toBe('schema');
  });

  it('is pretty-printed with two spaces and ends with exactly one newline', () => {
    const text = renderDiffJson(diff);
    expect(text.startsWith('{\n  "schema": "bulwark.contract-diff/v1",\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });

  it('renders the same bytes for the same diff', () => {
    expect(renderDiffJson(structuredClone(diff))).toBe(renderDiffJson(diff));
  });
});
