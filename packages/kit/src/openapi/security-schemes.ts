import type { OpenAPIV3_1 } from 'openapi-types';
import type { ServiceConfig } from '../config.js';

/** The names of the schemes in `components.securitySchemes`. */
export const SECURITY_SCHEMES = {
  apiKey: 'apiKey',
  bearerJwt: 'bearerJwt',
  serviceToken: 'serviceToken',
  clientCertificate: 'clientCertificate',
} as const;

/**
 * The credentials a service with `auth.mode: required` takes, as OpenAPI security schemes: what
 * the Authenticator (auth/authenticator.ts) accepts, one scheme per kind of credential. Nothing
 * when authentication is off. Descriptions carry no configured value but the API key header
 * (part of the API): issuers and key files differ between environments, the document must not.
 */
export function securitySchemes(
  auth: ServiceConfig['auth'],
): Record<string, OpenAPIV3_1.SecuritySchemeObject> | undefined {
  if (auth.mode !== 'required') return undefined;
  const schemes: Record<string, OpenAPIV3_1.SecuritySchemeObject> = {};
  if (auth.apiKeys !== undefined) {
    schemes[SECURITY_SCHEMES.apiKey] = {
      type: 'apiKey',
      in: 'header',
      name: auth.apiKeys.header,
      description: `An API key in the ${auth.apiKeys.header} header (or as Authorization: ApiKey <key>). Its scopes decide what it may call.`,
    };
  }
  if (auth.jwt !== undefined) {
    schemes[SECURITY_SCHEMES.bearerJwt] = {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: `A JWT from the identity provider, as Authorization: Bearer <token>. Scopes come from its ${auth.jwt.scopeClaim} claim.`,
    };
  }
  if (auth.serviceTokens !== undefined) {
    schemes[SECURITY_SCHEMES.serviceToken] = {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'A short-lived service token (an EdDSA JWT another service minted), as Authorization: Bearer <token>.',
    };
  }
  if (auth.clientCertificates?.length) {
    // OpenAPI 3.1's mutualTLS type, which openapi-types (written for 3.0's four) does not know.
    schemes[SECURITY_SCHEMES.clientCertificate] = {
      type: 'mutualTLS',
      description:
        'A TLS client certificate the service maps to a subject and its scopes (mutual TLS).',
    } as unknown as OpenAPIV3_1.SecuritySchemeObject;
  }
  return schemes;
}

/**
 * An operation's `security`: any one of the schemes, each listing the route's scopes (OpenAPI
 * 3.1 allows role names for schemes other than OAuth 2). `[]` for a public route of a service
 * that requires authentication, so a reader sees it is public on purpose.
 */
export function operationSecurity(
  schemes: Record<string, unknown> | undefined,
  auth: { readonly scopes: readonly string[] } | undefined,
): Array<Record<string, string[]>> | undefined {
  if (schemes === undefined) return undefined;
  if (auth === undefined) return [];
  return Object.keys(schemes).map((name) => ({ [name]: [...auth.scopes] }));
}
