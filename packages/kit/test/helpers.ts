import { Writable } from 'node:stream';
import {
  createService,
  createWorker,
  type Service,
  type ServiceOptions,
  type Worker,
} from '../src/index.js';

/** A log destination that keeps every line, parsed. */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
      done();
    },
  });
  return {
    stream,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Options for an in-process test runtime: ephemeral port, no signals, logs captured. */
function isolated(options: Partial<ServiceOptions>, logs: ReturnType<typeof captureLogs>) {
  return {
    name: 'kit-test',
    version: '9.9.9',
    env: {},
    handleProcessSignals: false,
    logDestination: logs.stream,
    http: { port: 0 },
    shutdown: { drainDelayMs: 0 },
    ...options,
  };
}

/** An in-process service on an ephemeral loopback port, isolated from the test's environment. */
export function testService(options: Partial<ServiceOptions> = {}): {
  service: Service;
  logs: ReturnType<typeof captureLogs>;
} {
  const logs = captureLogs();
  return { service: createService(isolated(options, logs)), logs };
}

/** An in-process worker, isolated the same way. */
export function testWorker(options: Partial<ServiceOptions> = {}): {
  worker: Worker;
  logs: ReturnType<typeof captureLogs>;
} {
  const logs = captureLogs();
  return { worker: createWorker(isolated(options, logs)), logs };
}

export function baseUrl(service: Service): string {
  return `http://127.0.0.1:${service.port}`;
}
