import { type RawBuilder, sql } from 'kysely';
import type { Memory, MemoryProvenance } from './types.js';
import { parseVectorText } from './vector-text.js';

/** The columns every read selects, the embedding only when asked for (it is 384 floats). */
export function memoryColumns(withEmbedding: boolean): RawBuilder<unknown> {
  return withEmbedding
    ? sql`m.id, m.namespace, m.subject, m.content, m.content_digest, m.embedding::text AS embedding,
        m.metadata, m.provenance, m.valid_from, m.valid_to, m.recorded_at, m.superseded_at,
        m.superseded_by, m.forgotten_at, m.forgotten_reason`
    : sql`m.id, m.namespace, m.subject, m.content, m.content_digest, NULL::text AS embedding,
        m.metadata, m.provenance, m.valid_from, m.valid_to, m.recorded_at, m.superseded_at,
        m.superseded_by, m.forgotten_at, m.forgotten_reason`;
}

export interface MemoryRow {
  id: string;
  namespace: string;
  subject: string;
  content: string | null;
  content_digest: string;
  embedding: string | null;
  metadata: unknown;
  provenance: unknown;
  valid_from: Date | string;
  valid_to: Date | string | null;
  recorded_at: Date | string;
  superseded_at: Date | string | null;
  superseded_by: string | null;
  forgotten_at: Date | string | null;
  forgotten_reason: string | null;
}

const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const dateOrNull = (value: Date | string | null): Date | null =>
  value === null || value === undefined ? null : date(value);
/** jsonb arrives parsed from pg and PGlite; a string only if a driver was told otherwise. */
const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    namespace: row.namespace,
    subject: row.subject,
    content: row.content,
    contentDigest: row.content_digest,
    embedding: parseVectorText(row.embedding),
    validFrom: date(row.valid_from),
    validTo: dateOrNull(row.valid_to),
    recordedAt: date(row.recorded_at),
    supersededAt: dateOrNull(row.superseded_at),
    supersededBy: row.superseded_by,
    metadata: (json(row.metadata) ?? {}) as Record<string, unknown>,
    provenance: (json(row.provenance) ?? null) as MemoryProvenance | null,
    forgottenAt: dateOrNull(row.forgotten_at),
    forgottenReason: row.forgotten_reason,
  };
}
