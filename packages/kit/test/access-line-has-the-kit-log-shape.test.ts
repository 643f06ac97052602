import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { AccessLog, type AccessRecord } from '../src/logging/access-log.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ service: 'svc', version: '2.0.0', level, destination });
  return { logger, lines };
}

const record: AccessRecord = {
  method: 'GET',
  route: '/v1/items/:id',
  status: 200,
  seconds: 0.001234,
  requestId: 'req-1',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
};

describe('the access line', () => {
  it('carries the same fields, with the same names, as a line pino writes for the kit', () => {
    const { logger, lines } = capture('info');
    new AccessLog(logger).write('info', record);
    logger.info({ probe: true }, 'through pino');
    const [access, viaPino] = lines as [Record<string, unknown>, Record<string, unknown>];
    expect(access).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'svc',
      version: '2.0.0',
      pid: process.pid,
      trace_id: record.traceId,
      span_id: record.spanId,
      request_id: 'req-1',
      method: 'GET',
      route: '/v1/items/:id',
      status: 200,
      duration_ms: 1.23,
      msg: 'request completed',
    });
    // Every key pino puts on a line outside a request is on the access line too.
    for (const key of Object.keys(viaPino).filter((k) => k !== 'probe'))
      expect(access).toHaveProperty(key);
    expect(Date.parse(access.time as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('writes nothing below the logger level, and debug lines when it is debug', () => {
    const atInfo = capture('info');
    new AccessLog(atInfo.logger).write('debug', record);
    expect(atInfo.lines).toHaveLength(0);
    const atDebug = capture('debug');
    new AccessLog(atDebug.logger).write('debug', record);
    expect(atDebug.lines[0]).toMatchObject({ level: 'debug', msg: 'request completed' });
  });

  it('stays valid JSON whatever characters a route template holds', () => {
    const { logger, lines } = capture('info');
    new AccessLog(logger).write('info', { ...record, route: '/v1/"quoted"\\path\n/:id' });
    expect(lines[0]?.route).toBe('/v1/"quoted"\\path\n/:id');
  });
});
