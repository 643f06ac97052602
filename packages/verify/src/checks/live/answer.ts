import type { Answer } from './http.js';

/** The longest piece of a response body quoted in a one-line summary. */
const SNIPPET_LIMIT = 80;

/** A response header's value; the first one when the server repeated it. */
export function headerOf(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as a JSON object, or undefined when it is not one. */
export function jsonObjectOf(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A problem+json title, or the start of the body, on one printable line. */
export function describeBody(body: string): string {
  const json = jsonObjectOf(body);
  if (typeof json?.title === 'string') return json.title;
  if (typeof json?.status === 'string') return json.status;
  return body.trim() === '' ? '' : oneLine(body);
}

/** Any text as one quoted, printable line of at most SNIPPET_LIMIT characters. */
export function oneLine(text: string): string {
  const line = text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return JSON.stringify(line.length > SNIPPET_LIMIT ? `${line.slice(0, SNIPPET_LIMIT)}…` : line);
}
