/** Who is calling, once authentication has said so. Handlers read it as `request.principal`. */
export interface Principal {
  /** Stable name: the API key's name, the JWT's sub, the certificate's mapped subject. */
  readonly subject: string;
  readonly kind: 'api-key' | 'jwt' | 'client-certificate' | 'service-token';
  readonly scopes: readonly string[];
  /** The tenant, when the credential names one (a JWT's org claim, a key's org). */
  readonly org?: string;
  /**
   * Which credential, when it has a public name: the API key's id (never its secret), for
   * limits and audit per key rather than per subject.
   */
  readonly keyId?: string;
}

/** What a route asks of its callers: `config: { auth: { scopes: ['items:write'] } }`, or false. */
export type RouteAuth = false | { readonly scopes?: readonly string[] };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the kit's authentication; null on routes that do not authenticate. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}
