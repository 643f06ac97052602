import { afterAll, describe } from 'vitest';
import { NatsConfigTransport } from '../src/index.js';
import { freshNatsNamespace, SHARED_NATS_URL, sharedNats } from './fixtures/transport-servers.js';
import { transportConformance } from './transport-conformance.js';

/** NatsConfigTransport on the machine's NATS with JetStream, in a namespace of this file's own. */
const scope = freshNatsNamespace();
afterAll(() => (sharedNats.available ? scope.remove() : undefined));

describe.skipIf(!sharedNats.available)('NATS JetStream', () => {
  transportConformance('NatsConfigTransport', {
    open: (options) =>
      NatsConfigTransport.connect({
        servers: SHARED_NATS_URL,
        namespace: scope.namespace,
        retryDelayMs: 100,
        ...(options?.registryName === undefined ? {} : { registryName: options.registryName }),
        ...(options?.onError === undefined ? {} : { onError: options.onError }),
      }),
  });
});
