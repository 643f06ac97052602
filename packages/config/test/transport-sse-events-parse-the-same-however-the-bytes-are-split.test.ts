import { expect, it } from 'vitest';
import { SseParser, sseEvent } from '../src/transport/sse.js';

/**
 * The HTTP transport reads the registry's event stream in whatever chunks the network gives:
 * an event split inside a line, inside a CR LF, or inside a UTF-8 character must parse the same
 * as when it arrives whole. Comments (heartbeats) produce no event.
 */
const text =
  ': keepalive\n\n' +
  sseEvent('apply', 41, JSON.stringify({ note: 'grüße ✓ 🚀', lines: 'a\nb' })) +
  'event: ready\r\nid: 41\r\ndata: {"seq":41}\r\n\r\n' +
  'data: first\rdata: second\r\r' +
  ': keepalive\n\n';
const bytes = new TextEncoder().encode(text);

const expected = [
  { event: 'apply', id: '41', data: JSON.stringify({ note: 'grüße ✓ 🚀', lines: 'a\nb' }) },
  { event: 'ready', id: '41', data: '{"seq":41}' },
  { event: 'message', id: '41', data: 'first\nsecond' },
];

it('parses a stream delivered whole', () => {
  expect(new SseParser().push(bytes)).toEqual(expected);
});

it('parses the same stream split at every byte', () => {
  for (let cut = 1; cut < bytes.length; cut++) {
    const parser = new SseParser();
    const events = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))];
    expect(events, `cut at ${cut}`).toEqual(expected);
  }
});

it('parses the same stream one byte at a time', () => {
  const parser = new SseParser();
  const events = [];
  for (let i = 0; i < bytes.length; i++) events.push(...parser.push(bytes.subarray(i, i + 1)));
  expect(events).toEqual(expected);
});
