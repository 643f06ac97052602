import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

/**
 * How long, and how much, a connection is read after its final answer while the client is still
 * sending. nginx's lingering close does the same (lingering_time, lingering_timeout); the bounds
 * keep a client that never stops from holding the connection.
 */
const LINGER_MS = 2_000;
export const LINGER_BYTES = 1_048_576;

const ARMED = Symbol('bulwark.lingerArmed');
const LINGERING = Symbol('bulwark.lingering');

type LingeringSocket = Socket & {
  /** The request whose unread body the socket's close waits for. */
  [ARMED]?: IncomingMessage;
  [LINGERING]?: { read: number };
};

const discard = () => {};

/**
 * Counts bytes read from a lingering connection, closing it past LINGER_BYTES. Node's HTTP
 * server reads its sockets in C++ (the parser consumes the handle), so the socket emits no 'data'
 * in JS, and listening for it would switch the parser back to JS reads: what arrives shows up as
 * request body, or, once the parser has failed, as one more 'clientError' per chunk, and those
 * places report it here.
 */
export function lingeringRead(socket: Socket, bytes: number): void {
  const lingering = (socket as LingeringSocket)[LINGERING];
  if (lingering === undefined) return;
  lingering.read += bytes;
  if (lingering.read > LINGER_BYTES) socket.destroy();
}

/**
 * Closes a connection after its answer without destroying the answer.
 *
 * Closing a socket (close(2)) while bytes the client sent are unread makes the kernel send RST
 * instead of FIN, and the client may then lose the answer: its own kernel drops what it has not
 * read yet, or its next write fails and it gives up before reading. That is exactly the case of
 * an early error (413, 415, 404 before the body was read, a parse error) to a client still
 * uploading. So: half-close (FIN after the answer tells the client it is complete), keep reading
 * and discarding until the client closes its side, the body ends, or a bound is reached, and only
 * then close.
 */
export function lingerThenClose(socket: Socket, request?: IncomingMessage): void {
  const lingering = socket as LingeringSocket;
  if (lingering[LINGERING] !== undefined) return;
  lingering[LINGERING] = { read: 0 };
  if (socket.writable) socket.end();
  if (socket.readableEnded || request?.complete) {
    // The client has stopped sending: nothing more can arrive unread.
    Socket.prototype.destroySoon.call(socket);
    return;
  }
  const close = () => socket.destroy();
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', close);
  if (request !== undefined && !request.complete) {
    request.on('data', (chunk: Buffer) => lingeringRead(socket, chunk.length));
    request.once('end', close);
    request.resume();
  }
  socket.resume();
}

/**
 * Unread body up to this size is read to its end after an early answer and the connection kept
 * (Node's server does that by itself); past it, or of unknown size, the connection is closed.
 */
const SMALL_BODY_BYTES = 65_536;

/**
 * What to do with a request body not yet read when the answer is ready: nothing (no body, or it
 * is all in), read the rest and keep the connection ('drain'), or close once answered ('close').
 */
export function unreadBody(req: IncomingMessage): 'none' | 'drain' | 'close' {
  if (req.complete) return 'none';
  const { 'content-length': length, 'transfer-encoding': encoding } = req.headers;
  if (encoding !== undefined) return 'close';
  if (length === undefined || length === '0') return 'none';
  return Number(length) <= SMALL_BODY_BYTES ? 'drain' : 'close';
}

/**
 * For an error answered before the request body was read: the rest of the body is read and
 * discarded, and if the response closes the connection (Connection: close, set by the caller or
 * by Fastify), the connection lingers once the response is out (lingerThenClose) instead of
 * being destroyed.
 *
 * Node ends a `Connection: close` response by calling `socket.destroySoon()`, which closes the
 * socket as soon as the response is flushed, unread bytes or not; there is no option to change
 * that, so this one socket's destroySoon is replaced.
 */
export function lingerAfterResponse(req: IncomingMessage): void {
  // A 'data' listener, not only resume(): without one, a flowing request still buffers, and
  // Node's server stops reading the socket once that buffer is full.
  req.on('data', discard);
  req.resume();
  const socket = req.socket as LingeringSocket;
  // A kept-alive connection can get here again for a later request: the latest one counts.
  const armed = socket[ARMED] !== undefined;
  socket[ARMED] = req;
  if (armed) return;
  socket.destroySoon = function lingeringDestroySoon(this: LingeringSocket) {
    lingerThenClose(this, this[ARMED]);
  };
}
