import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { authenticatedAs } from '../http/traced-server.js';
import type { Service } from '../service.js';
import {
  type AuthFailureReason,
  CredentialRejectedError,
  InsufficientScopeError,
} from './auth-errors.js';
import { authFailuresCounter } from './auth-failures-metric.js';
import { Authenticator } from './authenticator.js';
import type { Principal, RouteAuth } from './principal.js';
import { missingScopes } from './scopes.js';

interface RouteConfig {
  readonly url?: string;
  readonly bulwarkProbe?: boolean;
  readonly auth?: RouteAuth;
}

/**
 * Authentication for every route but the contract's probes, routes that opt out
 * (`config: { auth: false }`) and unmatched paths (they answer 404 whoever asks). `request.principal`
 * is always there: null until a credential is accepted. With auth.mode off, no hook is
 * installed at all, so requests pay nothing for it.
 */
export function installAuthentication(service: Service): void {
  service.app.decorateRequest('principal', null);
  if (service.config.auth.mode !== 'required') return;
  const authenticator = new Authenticator(service);
  const failures = authFailuresCounter(service.metrics.registry);
  const apiKeyHeader = authenticator.apiKeyHeader;

  const refuse = (error: unknown, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const reason = (error as { reason?: AuthFailureReason }).reason;
    if (reason !== undefined) failures.inc({ reason });
    if ((error as { status?: number }).status === 401) {
      const bearer = error instanceof CredentialRejectedError && error.credential !== 'API key';
      reply.header(
        'www-authenticate',
        bearer ? authenticator.invalidTokenChallenge : authenticator.challenge,
      );
    }
    done(error as Error);
  };

  const admit = (
    principal: Principal,
    routeAuth: RouteAuth | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ) => {
    request.principal = principal;
    // Recorded before the scope check: a 403 access line still says who was refused.
    authenticatedAs(request.raw, principal.subject);
    const needed = routeAuth === undefined || routeAuth === false ? undefined : routeAuth.scopes;
    const missing = needed === undefined ? undefined : missingScopes(principal.scopes, needed);
    if (missing !== undefined) return refuse(new InsufficientScopeError(missing), reply, done);
    done();
  };

  service.app.addHook('onRequest', (request, reply, done) => {
    // routeOptions is a getter that builds a new object: read it once. An unmatched request's
    // route config has no url (what request.is404 tests).
    const config = request.routeOptions.config as RouteConfig | undefined;
    if (config?.url === undefined || config.bulwarkProbe === true) return done();
    const routeAuth = config.auth;
    if (routeAuth === false) return done();
    const { headers } = request;
    let outcome: Principal | Promise<Principal>;
    try {
      outcome = authenticator.authenticate({
        socket: request.raw.socket,
        authorization: headers.authorization,
        apiKey: apiKeyHeader === undefined ? undefined : headers[apiKeyHeader],
      });
    } catch (error) {
      return refuse(error, reply, done);
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (principal) => admit(principal, routeAuth, request, reply, done),
        (error: unknown) => refuse(error, reply, done),
      );
      return;
    }
    admit(outcome, routeAuth, request, reply, done);
  });
}
