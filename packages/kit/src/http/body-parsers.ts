import type { FastifyInstance, FastifyRequest } from 'fastify';
import { JsonTooDeepError, UnsupportedMediaTypeError } from '../errors.js';
import { jsonNestingExceeds } from './json-depth.js';

export interface BodyParserOptions {
  /** Deepest nesting of arrays and objects accepted in a JSON body. */
  maxJsonDepth: number;
}

/**
 * The kit's request body parsers, replacing Fastify's two defaults:
 *
 * - application/json: Fastify's own parser (secure-json-parse, prototype poisoning refused),
 *   behind a depth check of the raw text, so a deeply nested body is a 400 that says so rather
 *   than a stack overflow wherever the parsed value is next walked recursively.
 * - text/plain: a route that declares a JSON body schema gets 415, not the string handed to its
 *   validator ("body must be object", a 400 that blames the body for its media type). Routes
 *   without a body schema, or with a string one, still get the text.
 */
export function registerBodyParsers(app: FastifyInstance, options: BodyParserOptions): void {
  const { maxJsonDepth } = options;
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonNestingExceeds(body as string, maxJsonDepth)) {
      done(new JsonTooDeepError(maxJsonDepth), undefined);
      return;
    }
    parseJson(request, body as string, done);
  });

  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    if (expectsJsonBody(request)) {
      done(
        new UnsupportedMediaTypeError(
          'this endpoint takes a JSON body: send it as Content-Type: application/json',
        ),
        undefined,
      );
      return;
    }
    done(null, body);
  });
}

function expectsJsonBody(request: FastifyRequest): boolean {
  const schema = request.routeOptions.schema?.body as
    | { type?: unknown; content?: unknown }
    | undefined;
  // A per-content-type schema (`body.content`) is Fastify's to match against the media type.
  return schema !== undefined && schema.content === undefined && schema.type !== 'string';
}
