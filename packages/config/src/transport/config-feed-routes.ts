import {
  DependencyUnavailableError,
  type RouteAuth,
  type Service,
  ShuttingDownError,
  ValidationError,
} from '@bulwark/kit';
import {
  type AckBody,
  AckBody as AckSchema,
  AppliesHeaders,
  AppliesQuery,
  CONFIG_FEED_PATHS,
  CONFIG_FEED_PROTOCOL,
  ConfigParams,
  FeedInfo,
  type PresenceBody,
  PresenceBody as PresenceSchema,
} from './config-feed-schemas.js';
import type { EmbeddedMessageLog, Following, StoredMessage } from './embedded-log.js';
import { sseEvent } from './sse.js';
import { SseResponse } from './sse-response.js';
import type { TransportErrorReporter } from './transport.js';
import { encodeAck, encodePresence, type WireKind } from './wire.js';

export interface ConfigFeedRoutesOptions {
  /**
   * What the routes ask of a caller when the service requires authentication. Default
   * `{ scopes: ['config:consume'] }`: give each consumer's key that scope.
   */
  readonly auth?: RouteAuth;
  /** How often an open stream sends a heartbeat comment. Default 15000 ms. */
  readonly heartbeatMs?: number;
  /** Delay before a failed read of the log is tried again. Default 1000 ms. */
  readonly retryDelayMs?: number;
  /** Where failed reads are reported. Default: the service's logger, at warn. */
  readonly onError?: TransportErrorReporter;
}

/** The mounted routes' open streams. */
export interface ConfigFeedRoutes {
  /** Apply streams open now. */
  readonly openStreams: number;
  /** Ends every open stream; its client reconnects and resumes after the last event it had. */
  endStreams(): Promise<void>;
}

/** How often open streams look whether the service started draining. */
const DRAIN_CHECK_MS = 200;

const NO_CONTENT = {
  204: { description: 'Recorded: the registry will read it.', type: 'null' },
} as const;

/**
 * Mounts the HTTP face of an embedded registry's transport log on a kit service, for consumers
 * in other processes (HttpConfigTransport):
 *
 * - `GET /v1/config-transport/configs/{config}/applies`: Server-Sent Events, one `apply` event
 *   per message (its `id` is the log's seq, its data the ApplyMessage as JSON). A new subscriber
 *   gets the config's latest message first; a client that sends `Last-Event-ID` (or `?after=`)
 *   gets every message after that seq. Then a `ready` event (its id the seq the stream continues
 *   from), then each new message as it is appended, and a heartbeat comment every heartbeatMs.
 * - `POST /v1/config-transport/acks` and `POST /v1/config-transport/presence`: one Ack or
 *   Presence (validated strictly; 400 problem+json naming the field), appended to the log; 204.
 * - `GET /v1/config-transport`: the protocol name and the log's last seq.
 *
 * Open streams end when the service starts draining (a stream never ends by itself, and the
 * kit's drain waits for every open request); new ones are then refused with 503, so clients
 * back off and reconnect to the registry that replaces this one.
 */
export function registerConfigFeedRoutes(
  service: Service,
  log: EmbeddedMessageLog,
  options: ConfigFeedRoutesOptions = {},
): ConfigFeedRoutes {
  const auth = options.auth ?? { scopes: ['config:consume'] };
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const report: TransportErrorReporter =
    options.onError ?? ((error, context) => service.logger.warn({ err: error }, context));
  const streams = new Set<{ response: SseResponse; following: Following | undefined }>();
  let drainCheck: NodeJS.Timeout | undefined;

  const endStreams = async () => {
    const closing = [...streams].map(async (stream) => {
      await stream.following?.stop();
      stream.response.end();
      await stream.response.closed;
    });
    await Promise.all(closing);
  };
  const watchDrain = () => {
    if (drainCheck !== undefined) return;
    drainCheck = setInterval(() => {
      if (streams.size === 0) {
        clearInterval(drainCheck);
        drainCheck = undefined;
      } else if (service.draining) {
        void endStreams();
      }
    }, DRAIN_CHECK_MS);
    drainCheck.unref();
  };
  service.app.addHook('onClose', async () => {
    clearInterval(drainCheck);
    await endStreams();
  });

  service.app.get(
    CONFIG_FEED_PATHS.info,
    {
      schema: {
        summary: 'What this config transport endpoint speaks',
        tags: ['config-transport'],
        response: { 200: FeedInfo },
      },
      config: { auth },
    },
    async () => {
      const lastSeq = await unavailableOnFailure(() => log.lastSeq());
      return { protocol: CONFIG_FEED_PROTOCOL, lastSeq };
    },
  );

  service.app.get<{
    Params: { config: string };
    Querystring: { after?: string };
    Headers: { 'last-event-id'?: string };
  }>(
    CONFIG_FEED_PATHS.applies,
    {
      schema: {
        summary: 'Follow the apply messages of one config (Server-Sent Events)',
        description:
          'The latest message first (or, with Last-Event-ID or `after`, every message after that seq), then a `ready` event, then each new message. Each `apply` event has the seq as its id and the ApplyMessage as JSON data.',
        tags: ['config-transport'],
        params: ConfigParams,
        querystring: AppliesQuery,
        headers: AppliesHeaders,
        response: {
          200: {
            description: 'A text/event-stream that stays open.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
      config: { auth },
    },
    async (request, reply) => {
      if (service.draining) throw new ShuttingDownError();
      const { config } = request.params;
      const resume = request.headers['last-event-id'] ?? request.query.after;
      const { first, from } = await unavailableOnFailure(() => startOf(log, config, resume));
      const response = new SseResponse(heartbeatMs);
      const stream: { response: SseResponse; following: Following | undefined } = {
        response,
        following: undefined,
      };
      streams.add(stream);
      watchDrain();
      // Buffered until Fastify pipes the body: the headers leave with the first event.
      if (first) void response.write(sseEvent('apply', first.seq, first.payload));
      void response.write(sseEvent('ready', from, JSON.stringify({ seq: from })));
      stream.following = log.follow({
        kind: 'apply',
        config,
        afterSeq: from,
        deliver: async (message) => {
          await response.write(sseEvent('apply', message.seq, message.payload));
          return 'next';
        },
        retryDelayMs,
        report,
        context: `config ${config}: apply stream`,
      });
      void response.closed.then(async () => {
        streams.delete(stream);
        await stream.following?.stop();
      });
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        .send(response.body);
    },
  );

  const append = async (kind: WireKind, config: string, instance: string, payload: string) => {
    if (service.draining) throw new ShuttingDownError();
    await unavailableOnFailure(() => log.append(kind, config, instance, payload));
  };

  service.app.post<{ Body: AckBody }>(
    CONFIG_FEED_PATHS.acks,
    {
      schema: {
        summary: "Acknowledge an apply message with this instance's result",
        tags: ['config-transport'],
        body: AckSchema,
        response: NO_CONTENT,
      },
      config: { auth },
    },
    async (request, reply) => {
      const ack = request.body;
      await append(
        'ack',
        ack.config,
        ack.instance,
        checked(() => encodeAck(ack)),
      );
      return reply.code(204).send();
    },
  );

  service.app.post<{ Body: PresenceBody }>(
    CONFIG_FEED_PATHS.presence,
    {
      schema: {
        summary: 'Announce which version of a config this instance runs',
        tags: ['config-transport'],
        body: PresenceSchema,
        response: NO_CONTENT,
      },
      config: { auth },
    },
    async (request, reply) => {
      const presence = request.body;
      const payload = checked(() => encodePresence(presence));
      await append('presence', presence.config, presence.instance, payload);
      return reply.code(204).send();
    },
  );

  return {
    get openStreams() {
      return streams.size;
    },
    endStreams,
  };
}

/**
 * Where a stream starts: without a resume position, with the config's latest message; with one,
 * after it. A position past the end of the log (the registry's database was replaced, so seqs
 * started again) is treated as no position: the client would otherwise wait for seqs it had.
 */
async function startOf(
  log: EmbeddedMessageLog,
  config: string,
  resume: string | undefined,
): Promise<{ first: StoredMessage | undefined; from: number }> {
  if (resume !== undefined) {
    const after = Number(resume);
    if (after <= (await log.lastSeq())) return { first: undefined, from: after };
  }
  const latest = await log.latestApply(config);
  return { first: latest, from: latest?.seq ?? 0 };
}

/** The log cannot be read or written: 503, the cause logged by the kit, not shown. */
async function unavailableOnFailure<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new DependencyUnavailableError('the config transport log is unavailable', {
      cause: error,
    });
  }
}

/** The wire checks behind the schema (names it already matched): a 400 if one disagrees. */
function checked(encode: () => string): string {
  try {
    return encode();
  } catch (error) {
    throw new ValidationError((error as Error).message, { cause: error });
  }
}
