import type { ArtifactInput, SampleSeries } from '../check.js';
import { headerOf } from './answer.js';
import type { Answer } from './http.js';

/** Bodies kept as evidence are cut here: enough to show what was wrong, never megabytes. */
export const ARTIFACT_BODY_LIMIT = 65_536;

/**
 * An answer's body as an artifact, with the answer's own media type. A body cut at the limit
 * says so in its name's media type parameter, so no reader mistakes it for the whole.
 */
export function bodyArtifact(
  name: string,
  answer: Answer,
  limit: number = ARTIFACT_BODY_LIMIT,
): ArtifactInput {
  const bytes = Buffer.from(answer.body, 'utf8');
  const type = headerOf(answer, 'content-type') ?? 'application/octet-stream';
  if (bytes.byteLength <= limit) return { name, mediaType: type, content: bytes };
  return {
    name,
    mediaType: `${type}; truncated=${bytes.byteLength}`,
    content: bytes.subarray(0, limit),
  };
}

/** Any JSON value as a pretty-printed artifact. */
export function jsonArtifact(name: string, value: unknown): ArtifactInput {
  return { name, mediaType: 'application/json', content: `${JSON.stringify(value, null, 2)}\n` };
}

/** Every latency sample of one endpoint, in the order taken, rounded to 0.01 ms. */
export function latencySeries(name: string, durationsMs: readonly number[]): SampleSeries {
  return { name, unit: 'ms', values: durationsMs.map((ms) => Math.round(ms * 100) / 100) };
}
