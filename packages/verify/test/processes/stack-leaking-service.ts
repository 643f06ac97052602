/**
 * A plain node:http service that meets the probe contract but answers errors the way an
 * unguarded handler does: the error's message and stack in the body, as JSON.
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT);

function leak(status: number, error: Error) {
  return JSON.stringify({ status, title: error.message, errorId: 'e-1', stack: error.stack });
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method === 'GET' && ['/live', '/startup', '/ready'].includes(path)) {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    try {
      if (req.method === 'POST') JSON.parse(body);
      throw new Error(`no route for ${req.method} ${path}`);
    } catch (error) {
      res
        .writeHead(path === '/live' ? 405 : 404, { 'content-type': 'application/problem+json' })
        .end(leak(path === '/live' ? 405 : 404, error as Error));
    }
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: `listening on ${port}` })}\n`);
});
process.once('SIGTERM', () => server.close());
