import { describe, expect, it } from 'vitest';
import { renderDiffConsole } from '../src/report/index.js';
import { change, diffOf } from './report-fixtures.js';

const ESC = '\x1b';
const sample = diffOf([
  change('error', 'request.property.removed', 'post', '/v1/items', 'body field `note` removed', {
    pointer: '/paths/~1v1~1items/post/requestBody',
  }),
  change(
    'warning',
    'response.enum.value-added',
    'get',
    '/v1/items',
    'status may now be `archived`',
    { pointer: '/paths/~1v1~1items/get/responses/200' },
  ),
  change('info', 'operation.added', 'delete', '/v1/items/{id}', 'operation added', {
    pointer: '/paths/~1v1~1items~1{id}/delete',
  }),
]);

describe('the console report of a contract diff', () => {
  it('writes no ANSI escape at all when colour is off', () => {
    const text = renderDiffConsole(sample, { color: false });
    expect(text).not.toContain(ESC);
    expect(text).toContain('request.property.removed');
    expect(text.trimEnd().split('\n').at(-1)).toBe('fail: 1 breaking, 1 warning, 1 info');
  });

  it('colours levels and the verdict when colour is on, with the same words underneath', () => {
    const colored = renderDiffConsole(sample, { color: true });
    expect(colored).toContain(`${ESC}[31m`); // the error and the fail verdict in red
    expect(colored).toContain(`${ESC}[33m`); // the warning in yellow
    const stripped = colored.replace(/\x1b\[[0-9;]*m/g, '');
    expect(stripped).toBe(renderDiffConsole(sample, { color: false }));
  });

  it('shows escape sequences and newlines from the documents as visible text, colour or not', () => {
    const hostile = diffOf([
      change(
        'warning',
        'response.property.removed',
        'get',
        '/v1/\x1b[2Jitems',
        'line one\nline two\u202e reversed',
        { pointer: '/paths/x' },
      ),
    ]);
    for (const color of [false, true]) {
      const text = renderDiffConsole(hostile, { color });
      expect(text).not.toContain('\x1b[2J');
      expect(text).not.toContain('\u202e');
      expect(text).toContain('/v1/\\x1b[2Jitems');
      expect(text).toContain('line one ⏎ line two\\u202e reversed');
    }
    const plain = renderDiffConsole(hostile, { color: false });
    expect(plain).not.toContain(ESC);
  });
});
