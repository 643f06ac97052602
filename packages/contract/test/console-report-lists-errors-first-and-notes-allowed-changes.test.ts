import { describe, expect, it } from 'vitest';
import { renderDiffConsole } from '../src/report/index.js';
import { change, diffOf } from './report-fixtures.js';

// The documents as a CI job names them: the committed contract and the build's output.
const inRepo = { oldSource: 'openapi/items.json', newSource: 'build/items.json' };

// The diff's own order is by path, so levels arrive mixed: the report must regroup them.
const mixed = [
  change('info', 'operation.added', 'get', '/v1/a', 'operation added'),
  change('error', 'request.property.removed', 'post', '/v1/a', 'body field `note` removed'),
  change('warning', 'response.enum.value-added', 'get', '/v1/b', 'status may be `archived`'),
  change('error', 'operation.removed', 'delete', '/v1/b/{id}', 'operation removed'),
  change('info', 'info.description.changed', undefined, undefined, 'description changed'),
];

const lines = (text: string) => text.trimEnd().split('\n');

describe('the console report of a contract diff', () => {
  it('starts with the old title and version and the new version', () => {
    const [header] = lines(renderDiffConsole(diffOf(mixed, inRepo), { color: false }));
    expect(header).toBe(
      'contract diff  Items API 1.4.0 → 1.5.0  openapi/items.json → build/items.json',
    );
  });

  it('lists errors first, then warnings, then info, one line per change', () => {
    const body = lines(renderDiffConsole(diffOf(mixed, inRepo), { color: false }))
      .slice(1, -1)
      .filter((line) => line !== '');
    expect(body.map((line) => line.trim().split(/\s+/)[0])).toEqual([
      'error',
      'error',
      'warning',
      'info',
      'info',
    ]);
    expect(body[0]).toMatch(
      /^ {2}error {4}request\.property\.removed +POST \/v1\/a: body field `note` removed$/,
    );
    expect(body[1]).toContain('operation.removed');
    expect(body[1]).toContain('DELETE /v1/b/{id}: operation removed');
    expect(body[4]).toContain('document: description changed');
  });

  it('ends with fail and the totals when an error is not allowed', () => {
    const text = renderDiffConsole(diffOf(mixed, inRepo), { color: false });
    expect(lines(text).at(-1)).toBe('fail: 2 breaking, 1 warning, 2 info');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('marks errors a version bump allowed, and passes when every error is allowed', () => {
    const allowed = [
      change('error', 'operation.removed', 'get', '/v1/old', 'operation removed', {
        excusedBy: 'path-major',
      }),
      change('error', 'response.property.removed', 'get', '/v2/x', 'field `a` gone', {
        excusedBy: 'info.version',
      }),
    ];
    const diff = diffOf(allowed, {
      ...inRepo,
      newVersion: '2.0.0',
      bumped: { infoMajor: true, pathMajors: ['/v1/old -> /v2/old'] },
    });
    const text = renderDiffConsole(diff, { color: false });
    expect(text).toContain(
      'GET /v1/old: operation removed  (allowed: path major bumped, /v1/old -> /v2/old)',
    );
    expect(text).toContain(
      'GET /v2/x: field `a` gone  (allowed: info.version major bumped, 1.4.0 → 2.0.0)',
    );
    expect(text).toContain('version bumps: info.version major 1.4.0 → 2.0.0; /v1/old -> /v2/old');
    expect(lines(text).at(-1)).toBe(
      'pass: 0 breaking, 2 allowed by a version bump, 0 warnings, 0 info',
    );
  });

  it('names at most ten path bumps and counts the rest', () => {
    const pathMajors = Array.from({ length: 14 }, (_, i) => `/v1/r${i} -> /v2/r${i}`);
    const text = renderDiffConsole(
      diffOf([], { ...inRepo, bumped: { infoMajor: false, pathMajors } }),
      { color: false },
    );
    expect(text).toContain('/v1/r9 -> /v2/r9; … and 4 more paths\n');
    expect(text).not.toContain('/v1/r10 ');
  });

  it('says pass: no changes for identical documents', () => {
    const text = renderDiffConsole(diffOf([], { ...inRepo, newVersion: '1.4.0' }), {
      color: false,
    });
    expect(lines(text)).toEqual([
      'contract diff  Items API 1.4.0 → 1.4.0  openapi/items.json → build/items.json',
      '',
      'pass: no changes',
    ]);
  });
});
