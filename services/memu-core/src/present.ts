import type { JobRun as StoredJobRun, Memory as StoredMemory } from '@bulwark/memory';
import type { JobRun, Memory } from './routes/schemas.js';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** A stored memory as the API shows it: times as ISO strings, no vector, its state named. */
export function presentMemory(memory: StoredMemory): Memory {
  return {
    id: memory.id,
    namespace: memory.namespace,
    subject: memory.subject,
    content: memory.content,
    contentDigest: memory.contentDigest,
    metadata: memory.metadata,
    validFrom: memory.validFrom.toISOString(),
    validTo: iso(memory.validTo),
    recordedAt: memory.recordedAt.toISOString(),
    supersededAt: iso(memory.supersededAt),
    supersededBy: memory.supersededBy,
    forgottenAt: iso(memory.forgottenAt),
    forgottenReason: memory.forgottenReason,
    state: stateOf(memory),
    provenance: memory.provenance,
  };
}

export function stateOf(memory: StoredMemory): Memory['state'] {
  if (memory.forgottenAt !== null) return 'forgotten';
  if (memory.supersededAt !== null) return 'superseded';
  return 'current';
}

export function presentJobRun(run: StoredJobRun): JobRun {
  return {
    ...run,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
  };
}
