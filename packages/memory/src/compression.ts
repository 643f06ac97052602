import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { contentDigest } from './content-digest.js';
import type { MemoryProvenance } from './types.js';
import { parseVectorText } from './vector-text.js';

export interface CompressionSettings {
  /** Cosine similarity at or above which a row joins a cluster's seed (default 0.95). */
  threshold: number;
  /** Largest cluster merged into one memory (default 32). */
  maxClusterSize: number;
  /** Rows per subject considered in one run, oldest first (default 5000): clustering is O(n²). */
  maxRowsPerSubject: number;
}

interface Candidate {
  id: string;
  subject: string;
  content: string;
  digest: string;
  embedding: Float32Array;
  metadata: Record<string, unknown>;
  validFrom: Date;
  validTo: Date | null;
  recordedAt: Date;
}

function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += (v[i] as number) ** 2;
  norm = Math.sqrt(norm) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Greedy clustering within one subject: rows in insertion order; each unclustered row seeds a
 * cluster of the later unclustered rows whose cosine similarity to the seed is at least the
 * threshold. Similarity to the seed (not chains of neighbours) bounds a cluster's spread.
 */
export function clusters(rows: readonly Candidate[], settings: CompressionSettings): Candidate[][] {
  const unit = rows.map((r) => normalize(r.embedding));
  const taken = new Uint8Array(rows.length);
  const out: Candidate[][] = [];
  for (let i = 0; i < rows.length; i++) {
    if (taken[i]) continue;
    taken[i] = 1;
    const cluster = [rows[i] as Candidate];
    for (let j = i + 1; j < rows.length && cluster.length < settings.maxClusterSize; j++) {
      if (taken[j]) continue;
      if (dot(unit[i] as Float32Array, unit[j] as Float32Array) >= settings.threshold) {
        taken[j] = 1;
        cluster.push(rows[j] as Candidate);
      }
    }
    if (cluster.length > 1) out.push(cluster);
  }
  return out;
}

/**
 * Merges near-duplicate live memories of one namespace inside the caller's transaction. Each
 * cluster becomes one new memory: the newest member's content and metadata, the normalized mean
 * embedding, the widest validity, and provenance listing every original's id and digest. The
 * originals are closed (superseded_at, superseded_by = the merged memory), not deleted: history
 * and `get` still reach them. Returns original id → merged id.
 */
export async function applyCompression(
  trx: Kysely<unknown>,
  namespace: string,
  jobRunId: string,
  settings: CompressionSettings,
): Promise<Map<string, string>> {
  const { rows } = await sql<{
    id: string;
    subject: string;
    content: string;
    content_digest: string;
    embedding: string;
    metadata: Record<string, unknown>;
    valid_from: Date;
    valid_to: Date | null;
    recorded_at: Date;
    rank: string | number;
  }>`
    SELECT * FROM (
      SELECT id, subject, content, content_digest, embedding::text AS embedding, metadata,
        valid_from, valid_to, recorded_at, seq,
        row_number() OVER (PARTITION BY subject ORDER BY seq) AS rank
      FROM memories
      WHERE namespace = ${namespace} AND superseded_at IS NULL AND forgotten_at IS NULL
    ) c WHERE rank <= ${settings.maxRowsPerSubject} ORDER BY subject, seq`.execute(trx);
  const bySubject = new Map<string, Candidate[]>();
  for (const r of rows) {
    const list = bySubject.get(r.subject) ?? [];
    list.push({
      id: r.id,
      subject: r.subject,
      content: r.content,
      digest: r.content_digest,
      embedding: parseVectorText(r.embedding) as Float32Array,
      metadata: typeof r.metadata === 'string' ? JSON.parse(r.metadata) : (r.metadata ?? {}),
      validFrom: new Date(r.valid_from),
      validTo: r.valid_to === null ? null : new Date(r.valid_to),
      recordedAt: new Date(r.recorded_at),
    });
    bySubject.set(r.subject, list);
  }
  const mergedInto = new Map<string, string>();
  for (const list of bySubject.values()) {
    for (const cluster of clusters(list, settings)) {
      const newest = cluster.reduce((a, b) => (b.recordedAt >= a.recordedAt ? b : a));
      const mean = new Float32Array(newest.embedding.length);
      for (const m of cluster) {
        const u = normalize(m.embedding);
        for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (u[i] as number);
      }
      const embedding = normalize(mean);
      const validFrom = new Date(Math.min(...cluster.map((m) => m.validFrom.getTime())));
      const validTo = cluster.some((m) => m.validTo === null)
        ? null
        : new Date(Math.max(...cluster.map((m) => (m.validTo as Date).getTime())));
      const provenance: MemoryProvenance = {
        kind: 'compression',
        jobRunId,
        threshold: settings.threshold,
        originals: cluster.map((m) => ({ id: m.id, contentDigest: m.digest })),
      };
      const id = randomUUID();
      await sql`
        INSERT INTO memories (id, namespace, subject, content, content_digest, embedding, metadata,
          provenance, valid_from, valid_to, recorded_at)
        VALUES (${id}::uuid, ${namespace}, ${newest.subject}, ${newest.content},
          ${contentDigest(newest.content)}, ${`[${Array.prototype.join.call(embedding, ',')}]`}::vector,
          ${JSON.stringify({ ...newest.metadata, compressedFrom: cluster.length })}::jsonb,
          ${JSON.stringify(provenance)}::jsonb, ${validFrom}, ${validTo}, now())`.execute(trx);
      const ids = cluster.map((m) => m.id);
      await sql`
        UPDATE memories SET superseded_at = now(), superseded_by = ${id}::uuid
        WHERE id IN (${sql.join(ids.map((x) => sql`${x}::uuid`))})`.execute(trx);
      for (const original of ids) mergedInto.set(original, id);
    }
  }
  return mergedInto;
}
