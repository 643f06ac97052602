/**
 * Several fixture services in one process (a kit process takes seconds to start on a small CI
 * machine; one process for all keeps the test quick), each on the port its variable names:
 *   PORT                        healthy
 *   TEST_READY_NOTHING_PORT     ready-checks-nothing
 *   TEST_METRICS_BROKEN_PORT    metrics-missing-families
 *   TEST_TRACE_PROXY_PORT       the healthy one behind a proxy that drops traceparent
 * Prints "fleet ready" once all listen; SIGTERM stops them all and exits.
 */
import { once } from 'node:events';
import { type Breakage, fixtureService, traceDroppingProxy } from './fixture-services.js';

const variants: Array<[string, Breakage | undefined]> = [
  ['PORT', undefined],
  ['TEST_READY_NOTHING_PORT', 'ready-checks-nothing'],
  ['TEST_METRICS_BROKEN_PORT', 'metrics-missing-families'],
];
const services = variants.map(([variable, broken]) =>
  fixtureService(broken, {
    handleProcessSignals: false,
    env: { ...process.env, PORT: process.env[variable] },
  }),
);
for (const service of services) await service.listen();
const proxy = traceDroppingProxy(Number(process.env.PORT));
proxy.listen(Number(process.env.TEST_TRACE_PROXY_PORT), '127.0.0.1');
await once(proxy, 'listening');
process.stdout.write(`${JSON.stringify({ msg: 'fleet ready' })}\n`);

process.once('SIGTERM', async () => {
  proxy.closeAllConnections();
  proxy.close();
  await Promise.all(services.map((s) => s.shutdown('SIGTERM')));
  process.exit(0);
});
