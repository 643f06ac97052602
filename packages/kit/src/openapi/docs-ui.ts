import { type FastifySwaggerUiOptions, fastifySwaggerUi } from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { securityHeaderList } from '../tls/security-headers.js';

/**
 * The kit's Content-Security-Policy (default-src 'none': a JSON API loads nothing) would stop
 * Swagger UI from running at all, so its pages get their own, relaxed only as far as the UI
 * needs: its scripts, styles and fonts from this origin (it has no inline script or style), the
 * logo as a data: image, and fetches to this origin (the document, and "Try it out" calls).
 * Nothing from another origin (no validator badge, no CDN), no framing, no forms, no plugins.
 * Written by helmet, like the kit's own; every other security header stays as the kit sets it.
 *
 * Checked in Chromium: the UI renders and "Try it out" works. The one thing refused is a
 * <style> inside Swagger UI's own SVG logo, which @fastify/swagger-ui replaces with its logo
 * image as the page loads; allowing it would take 'unsafe-inline' or a hash of that bundle.
 */
export function docsContentSecurityPolicy(): string {
  const headers = securityHeaderList({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        baseUri: ["'none'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
      },
    },
  });
  const csp = headers.find(([name]) => name === 'content-security-policy');
  if (csp === undefined) throw new TypeError('helmet wrote no Content-Security-Policy');
  return csp[1];
}

/**
 * Swagger UI at `prefix`, in a context of its own (loaded at ready, like any plugin: its routes
 * need only exist before the first request). Its onRoute hook reaches only the routes registered
 * inside that context (the UI's pages and its static assets), so they alone are public
 * (`auth: false`, like the document they render); a service's own route under the same prefix
 * keeps its authentication. Swagger UI's onSend hook replaces the kit's CSP on those routes only.
 *
 * The plugin function is called directly rather than registered, for the reason install-openapi.ts
 * gives for @fastify/swagger: registering it would also have Fastify check that a plugin named
 * @fastify/swagger was registered, and the kit installs that one by calling it, unregistered.
 */
export function installDocsUi(app: FastifyInstance, prefix: string): void {
  const options: FastifySwaggerUiOptions = {
    routePrefix: prefix,
    staticCSP: docsContentSecurityPolicy(),
  };
  app.register(async function openApiDocsUi(instance) {
    instance.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: false };
    });
    // Typed as a callback plugin, it is an async function (its index.js): its promise is awaited.
    const plugin = fastifySwaggerUi as unknown as (
      instance: FastifyInstance,
      options: FastifySwaggerUiOptions,
    ) => Promise<void>;
    await plugin(instance, options);
  });
}
