/**
 * A service for the shutdown drill's tests, on PORT, its pid written to TEST_PID_FILE, with a
 * slow route (`/v1/work?ms=N` answers after N ms) so requests are in flight when SIGTERM comes.
 * TEST_SHUTDOWN picks how it shuts down:
 *   healthy          the kit: /ready 503 at once, BULWARK_SHUTDOWN_DRAIN_DELAY_MS of serving
 *                    (with Connection: close), stop accepting, finish what is in flight, exit
 *   ready-stays-200  hand-rolled: keeps /ready 200 through its drain delay (with Connection:
 *                    close), then closes and finishes what is in flight: load balancers keep
 *                    sending it new traffic until its listener is gone
 *   drops-in-flight  hand-rolled: /ready 503 at once, but its kept-alive connections stay open
 *                    and after its drain delay it exits without waiting for the requests in
 *                    flight on them
 *   exits-at-once    hand-rolled, no SIGTERM handler: the signal ends it on the spot
 */
import { writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { runService } from '@bulwark/kit';
import { fixtureService } from './fixture-services.js';

const mode = process.env.TEST_SHUTDOWN ?? 'healthy';
const port = Number(process.env.PORT);
const drainMs = Number(process.env.BULWARK_SHUTDOWN_DRAIN_DELAY_MS ?? 0);
const announcePid = () => {
  if (process.env.TEST_PID_FILE) writeFileSync(process.env.TEST_PID_FILE, `${process.pid}\n`);
};

if (mode === 'healthy') {
  await runService(() => {
    const service = fixtureService(undefined);
    service.app.get<{ Querystring: { ms?: string } }>('/v1/work', async (req) => {
      await sleep(Number(req.query.ms ?? 0));
      return { done: true };
    });
    service.onStartup('announce', announcePid);
    return service;
  });
} else {
  let draining = false;
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // Its draining connections end after their answer, so close() completes.
    if (draining && mode === 'ready-stays-200') res.setHeader('connection', 'close');
    if (url.pathname === '/live') return json(res, 200, { status: 'ok' });
    if (url.pathname === '/ready') {
      const ready = mode === 'ready-stays-200' || !draining;
      return json(res, ready ? 200 : 503, { status: ready ? 'ok' : 'draining' });
    }
    if (url.pathname === '/health') return json(res, 200, { status: 'ok', version: '0.0.1' });
    if (url.pathname === '/v1/work') {
      await sleep(Number(url.searchParams.get('ms') ?? 0));
      return json(res, 200, { done: true });
    }
    return json(res, 404, { title: 'not found' });
  });
  server.listen(port, '127.0.0.1', () => {
    announcePid();
    console.log(`hand-rolled ${mode} ready on http://127.0.0.1:${port}`);
  });
  if (mode !== 'exits-at-once') {
    process.once('SIGTERM', async () => {
      draining = true;
      await sleep(drainMs);
      if (mode === 'drops-in-flight') process.exit(0);
      server.close(() => process.exit(0));
      server.closeIdleConnections();
    });
  }
}
