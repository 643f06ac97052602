import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 response as it came off the wire. */
export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Parses the responses at the start of `data`, in order, stopping at the first incomplete one.
 * A test-side reader for bytes no HTTP client would send: undici and node:http refuse to write
 * malformed requests, so these tests speak HTTP/1.1 over a bare socket. Bodies are framed by
 * Content-Length or chunked encoding; 1xx, 204 and 304 have none (no test sends HEAD).
 */
export function parseResponses(data: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let offset = 0;
  for (;;) {
    const headEnd = data.indexOf(HEADER_END, offset);
    if (headEnd < 0) break;
    const lines = data.toString('latin1', offset, headEnd).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${lines[0]}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let cursor = headEnd + HEADER_END.length;
    let body: Buffer;
    if (status < 200 || status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const chunks: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', cursor);
        if (lineEnd < 0) break;
        const size = Number.parseInt(data.toString('latin1', cursor, lineEnd), 16);
        if (size === 0) {
          // The last chunk, then trailers (none here) and an empty line.
          const end = data.indexOf(HEADER_END, lineEnd);
          if (end < 0) break;
          cursor = end + HEADER_END.length;
          complete = true;
          break;
        }
        if (data.length < lineEnd + 2 + size + 2) break;
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        cursor = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(chunks);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (data.length < cursor + length) break;
      body = data.subarray(cursor, cursor + length);
      cursor += length;
    }
    if (status >= 200) responses.push({ status, headers, body: body.toString('utf8') });
    offset = cursor;
  }
  return { responses, rest: data.subarray(offset) };
}

export interface Exchange {
  responses: RawResponse[];
  /** Bytes after the last complete response (a cut-off answer shows here). */
  rest: Buffer;
  /**
   * How the exchange ended: the expected responses arrived, the server closed the connection,
   * it was reset, or the client gave up waiting.
   */
  ended: 'complete' | 'closed' | 'reset' | 'timeout';
}

/**
 * Writes `request` on a fresh connection and collects what comes back until the server closes
 * the connection, `expect` responses have arrived, or nothing arrives for `idleMs`; then, if the
 * server has not closed, half-closes (so the server sees the end of the request stream) and
 * waits `idleMs` once more before giving up. `halfClose` half-closes right after writing.
 */
export function exchange(
  port: number,
  request: string | Buffer,
  options: { expect?: number; idleMs?: number; halfClose?: boolean } = {},
): Promise<Exchange> {
  const { expect = Number.POSITIVE_INFINITY, idleMs = 1_000, halfClose = false } = options;
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let halfClosed = halfClose;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (ended: Exchange['ended']) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      socket.destroy();
      resolve({ ...parseResponses(Buffer.concat(chunks)), ended });
    };
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (halfClosed) return finish('timeout');
        halfClosed = true;
        socket.end();
        armIdle();
      }, idleMs);
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (parseResponses(Buffer.concat(chunks)).responses.length >= expect) finish('complete');
      else armIdle();
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'closed'),
    );
    socket.on('close', () => finish('closed'));
    socket.write(request);
    if (halfClose) socket.end();
    armIdle();
  });
}
