import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { installAuthentication } from './auth/authenticate.js';
import { FAULT_ENDPOINT, HEADERS, UNMATCHED_ROUTE } from './contract.js';
import { registerBodyParsers } from './http/body-parsers.js';
import { HttpClient } from './http/client.js';
import { clientErrorHandler } from './http/client-error.js';
import { kitLoggingOptions } from './http/fastify-options.js';
import { registerProbeRoutes } from './http/probe-routes.js';
import { sendNotFound, sendProblem } from './http/problem.js';
import {
  type RequestOutcome,
  requestIdOf,
  routeMatched,
  tracedServerFactory,
} from './http/traced-server.js';
import { kitSchemaController } from './http/validators.js';
import type { ShutdownPhase } from './lifecycle/shutdown.js';
import { installRateLimiting } from './limits/rate-limiting.js';
import { AccessLog } from './logging/access-log.js';
import { HttpServerMetrics } from './metrics/service-metrics.js';
import {
  installOpenApi,
  type OpenApiDocument,
  type OpenApiSource,
} from './openapi/install-openapi.js';
import { OpenApiDisabledError } from './openapi/openapi-errors.js';
import { Runtime, type RuntimeOptions } from './runtime.js';
import { SecretStore } from './secrets/secret-store.js';
import { installLoadShedding } from './shedding/load-shedding.js';
import { reportCertificateHealth } from './tls/certificate-health.js';
import { createListenerServer, type ListenerServer } from './tls/https-server.js';
import { startRedirectListener } from './tls/redirect-listener.js';
import { installSecurityHeaders } from './tls/security-headers.js';

export interface ServiceOptions extends RuntimeOptions {
  /**
   * undici interceptors every call of `service.http` passes through, in order: an egress guard
   * (@bulwark/gate's egressInterceptor), a header stamp. The service's only outbound client.
   */
  outboundInterceptors?: readonly Dispatcher.DispatcherComposeInterceptor[];
}

/**
 * A Fastify app that meets the operational contract from its first line. Lifecycle:
 *
 *   createService()  →  the request path's parts, in the order a request meets them: the kit's
 *                       hook (route, ids), load shedding, security headers, authentication,
 *                       rate limiting; the OpenAPI document's route collector, before any route
 *                       (/openapi.json, and /docs outside production); then register routes,
 *                       probes, resources, tasks, startup steps
 *   openapi()        →  (optional) load plugins without binding, and return the document
 *   listen()         →  bind; /live answers, /startup and /ready answer 503
 *                       run startup steps, evaluate readiness once; /startup and /ready turn 200
 *   SIGTERM/SIGINT   →  shutdown(): the phases below, each logged with its duration
 */
export class Service extends Runtime {
  readonly app: FastifyInstance;
  readonly http: HttpClient;
  readonly httpMetrics: HttpServerMetrics;
  /** Resolves `${secret:name}` references through the configured providers. */
  readonly secrets: SecretStore;
  /** http or https: what the listener speaks (https when tls has a certificate). */
  readonly scheme: 'http' | 'https';
  readonly #accessLevel: 'info' | 'debug' | 'off';
  readonly #accessLog: AccessLog;
  /** The security headers' list, for answers no hook sees (frameworkErrors). */
  readonly #securityHeaders: ReadonlyArray<[string, string]>;
  /** Undefined when openapi.enabled is false. */
  readonly #openApi: OpenApiSource | undefined;

  constructor(options: ServiceOptions) {
    // Interceptors are code, not configuration: they stay out of the validated config object.
    const { outboundInterceptors, ...runtimeOptions } = options;
    super(runtimeOptions);
    const { http, logging } = this.config;
    this.httpMetrics = new HttpServerMetrics(this.metrics.registry, this.config.metrics.maxSeries);
    this.secrets = new SecretStore(this.config.secrets, {
      environment: this.config.environment,
      logger: this.logger,
      env: options.env ?? process.env,
    });
    this.resources.add('secrets', () => this.secrets.close());
    let listener: ListenerServer | undefined;
    this.app = Fastify({
      ...kitLoggingOptions(this.logger),
      serverFactory: tracedServerFactory({
        tracing: this.tracing,
        onRequestStart: () => this.httpMetrics.requestStarted(),
        onRequestEnd: (outcome) => this.#requestEnded(outcome),
        createServer: (requestListener) => {
          listener = createListenerServer(this.config.tls, requestListener, this.logger);
          const { server, scheme, close } = listener;
          if (scheme === 'https') this.resources.add('tls-files', close);
          // With a serverFactory, Fastify leaves the server's timeouts to the factory.
          server.keepAliveTimeout = http.keepAliveTimeoutMs;
          server.requestTimeout = http.requestTimeoutMs;
          server.headersTimeout = Math.min(server.headersTimeout, http.requestTimeoutMs);
          return server;
        },
      }),
      genReqId: requestIdOf,
      // Errors Fastify answers before any hook runs (a path it cannot decode, a parameter over
      // its length limit) and the ones Node's parser raises before a request exists get the
      // same problem+json, headers, log line and metrics as every other error.
      frameworkErrors: (error, request, reply) => this.#frameworkError(error, request, reply),
      clientErrorHandler: clientErrorHandler({
        tracing: this.tracing,
        logger: this.logger,
        observe: (method, statusCode) =>
          this.httpMetrics.observeRequest(method, UNMATCHED_ROUTE, statusCode, 0),
      }),
      // Bodies are validated strictly, query strings and parameters as text (validators.ts).
      schemaController: kitSchemaController,
      // During drain, requests already on an open connection are served (with Connection:
      // close), not turned away with 503: they were accepted.
      return503OnClosing: false,
      forceCloseConnections: 'idle',
      bodyLimit: http.bodyLimitBytes,
      keepAliveTimeout: http.keepAliveTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
    });
    // Fastify calls the server factory from its constructor: the listener exists by now.
    const made = listener as ListenerServer;
    this.scheme = made.scheme;
    if (made.scheme === 'https') reportCertificateHealth(this, made);
    this.http = new HttpClient(this.tracing, {
      ...(outboundInterceptors ? { interceptors: outboundInterceptors } : {}),
      policies: this.config.outbound,
      registry: this.metrics.registry,
    });
    this.resources.add('http-client', () => this.http.close());
    this.addHealthReport('outbound', () => this.http.health());

    this.#accessLevel = logging.accessLog;
    this.#accessLog = new AccessLog(this.logger);
    // The kit's own per-request hook: it runs after routing, so it knows the route template.
    this.app.addHook('onRequest', (request, reply, done) => {
      // routeOptions is a getter that builds a dozen-field object on every read: read it once.
      const { config, url } = request.routeOptions as {
        config?: { bulwarkProbe?: boolean };
        url?: string;
      };
      const route = request.is404 ? UNMATCHED_ROUTE : (url ?? UNMATCHED_ROUTE);
      const headers = routeMatched(request.raw, route, config?.bulwarkProbe === true);
      if (headers) {
        reply.header(HEADERS.requestId, headers.requestId);
        reply.header(HEADERS.traceresponse, headers.traceresponse);
      }
      if (this.draining) reply.header('connection', 'close');
      done();
    });
    installLoadShedding(this);
    this.#securityHeaders = installSecurityHeaders(this);
    installAuthentication(this);
    installRateLimiting(this);
    this.app.setErrorHandler(sendProblem);
    this.app.setNotFoundHandler(sendNotFound);
    registerBodyParsers(this.app, { maxJsonDepth: http.maxJsonDepth });
    // Before any route is added: the document is made of the routes its onRoute hook sees.
    this.#openApi = installOpenApi(this);
    registerProbeRoutes(this.app, this);
    if (http.faultRoute ?? this.config.environment !== 'production') {
      // The message looks like a leak on purpose: a verifier checks that none of it comes back.
      this.app.get(FAULT_ENDPOINT, { config: { auth: false, rateLimit: false } }, async () => {
        throw new Error('deliberate fault: password=hunter2 at /srv/app/internal.js:1:1');
      });
    }
  }

  /** Fastify's frameworkErrors: the onRequest hook has not run, so its headers are set here. */
  #frameworkError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    const headers = routeMatched(request.raw, UNMATCHED_ROUTE, false);
    if (headers) {
      reply.header(HEADERS.requestId, headers.requestId);
      reply.header(HEADERS.traceresponse, headers.traceresponse);
    }
    if (this.draining) reply.header('connection', 'close');
    for (const [name, value] of this.#securityHeaders) reply.header(name, value);
    sendProblem(error, request, reply);
  }

  #requestEnded(outcome: RequestOutcome): void {
    this.httpMetrics.requestEnded();
    this.httpMetrics.observeRequest(
      outcome.method,
      outcome.route,
      outcome.statusCode,
      outcome.seconds,
    );
    if (outcome.aborted) {
      this.logger.warn(
        {
          trace_id: outcome.traceId,
          span_id: outcome.spanId,
          request_id: outcome.requestId,
          route: outcome.route,
          status: outcome.statusCode,
        },
        'connection closed before the response was sent',
      );
      return;
    }
    if (this.#accessLevel === 'off') return;
    this.#accessLog.write(outcome.probe ? 'debug' : this.#accessLevel, {
      method: outcome.method,
      route: outcome.route,
      status: outcome.statusCode,
      seconds: outcome.seconds,
      requestId: outcome.requestId,
      traceId: outcome.traceId,
      spanId: outcome.spanId,
      subject: outcome.subject,
    });
  }

  protected override get urlScheme(): string {
    return this.scheme;
  }

  get server(): Server {
    return this.app.server;
  }

  /** The bound port (after listen). */
  get port(): number {
    return (this.app.server.address() as AddressInfo).port;
  }

  /**
   * The service's OpenAPI 3.1 document (what GET /openapi.json answers): loads the app's plugins
   * (Fastify's ready()), binds nothing and runs no startup step. Call it once every route is
   * added: routes cannot be added after it. Throws OpenApiDisabledError when openapi.enabled is
   * false.
   */
  async openapi(): Promise<OpenApiDocument> {
    if (this.#openApi === undefined) throw new OpenApiDisabledError();
    return this.#openApi.document();
  }

  /** Binds, then runs the startup steps; resolves once started (ready() may turn true later). */
  async listen(): Promise<{ port: number; host: string }> {
    this.installProcessHooks();
    const { host, port } = this.config.http;
    await this.app.listen({ host, port });
    const { redirectPort } = this.config.tls;
    if (redirectPort !== undefined) {
      const redirect = await startRedirectListener({
        host,
        port: redirectPort,
        httpsPort: this.port,
      });
      this.resources.add('https-redirect', () => redirect.close());
    }
    // startup() logs "started on …", and "ready on …" only once /ready answers 200.
    await this.startup();
    return { host, port: this.port };
  }

  protected shutdownPhases(): ShutdownPhase[] {
    const server = this.app.server;
    const closed = server.listening ? once(server, 'close') : Promise.resolve();
    return [
      {
        name: 'drain-delay',
        run: () => sleep(this.config.shutdown.drainDelayMs),
      },
      {
        name: 'stop-accepting',
        run: () => {
          if (server.listening) server.close();
          server.closeIdleConnections();
        },
      },
      {
        // Responses now carry Connection: close, so active connections end after their
        // current response; the server's close event fires when the last one has.
        name: 'drain-requests',
        run: async () => {
          await closed;
          await this.app.close();
        },
      },
      { name: 'abort-tasks', run: () => this.tasks.abortAll() },
      { name: 'close-resources', run: () => this.resources.closeAll(this.logger) },
    ];
  }
}

export function createService(options: ServiceOptions): Service {
  return new Service(options);
}
