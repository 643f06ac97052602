/**
 * The part of Server-Sent Events (the WHATWG HTML standard's text/event-stream) the config feed
 * uses: events with `event`, `id` and one line of `data`, and comment lines as heartbeats.
 */

/** One dispatched event. `id` is undefined when the event carried none. */
export interface SseEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * An event as text. `data` must be one line: the feed sends JSON.stringify output, which
 * escapes every line break inside strings.
 */
export function sseEvent(event: string, id: number, data: string): string {
  return `event: ${event}\nid: ${id}\ndata: ${data}\n\n`;
}

/** A comment line: ignored by readers, it keeps the connection (and idle timers) alive. */
export const SSE_HEARTBEAT = ': keepalive\n\n';

/**
 * Parses a text/event-stream as its bytes arrive, in chunks cut anywhere (inside a line, inside
 * a UTF-8 sequence). Lines end with LF, CR LF or CR; an empty line dispatches the event.
 */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  #buffer = '';
  #event = '';
  #id: string | undefined;
  #data: string[] = [];

  /** The events completed by this chunk. */
  push(chunk: Uint8Array): SseEvent[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // A CR at the very end may be the first half of CR LF: wait for the next chunk.
      if (this.#buffer[end] === '\r' && end === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, end);
      const breakLength = this.#buffer.startsWith('\r\n', end) ? 2 : 1;
      this.#buffer = this.#buffer.slice(end + breakLength);
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.#data.length === 0) {
        this.#event = '';
        return undefined;
      }
      const event = { event: this.#event || 'message', id: this.#id, data: this.#data.join('\n') };
      this.#event = '';
      this.#data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }
}
