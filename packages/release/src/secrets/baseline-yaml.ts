import { expiryTime } from '@bulwark/verify';
import { Document, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { ReleaseError } from '../errors.js';
import type { ReleaseFinding } from '../model.js';
import { isSecretFinding } from './secret-findings.js';

export interface SecretsBaselineOwnership {
  readonly owner: string;
  readonly reason: string;
  /** `YYYY-MM-DD` (that whole day, UTC) or an RFC 3339 time. */
  readonly expires: string;
  /**
   * The baseline file's current text: the entries are appended to it (comments and entries kept,
   * an entry already there not repeated). Without it, a new file's text.
   */
  readonly existing?: string;
}

/** A path as a glob matching only itself (an entry's `path` is a glob). */
function literalGlob(path: string): string {
  return path.replace(/[\\*?[\]{}()!+@]/g, '\\$&');
}

/**
 * The baseline text accepting the scan's unwaived secrets, for `bulwark release baseline`: one
 * entry per secret and path, with the owner, reason and expiry given, each under a comment saying
 * what it is (masked, as in the findings). Path-scoped, so the same secret appearing anywhere
 * else still blocks.
 */
export function secretsBaselineYaml(
  findings: readonly ReleaseFinding[],
  ownership: SecretsBaselineOwnership,
): string {
  for (const field of ['owner', 'reason', 'expires'] as const) {
    if (!ownership[field]?.trim()) {
      throw new ReleaseError(
        'BW_RELEASE_WAIVERS',
        `a baseline entry needs owner, reason and expires (${field} is empty)`,
      );
    }
  }
  if (Number.isNaN(expiryTime(ownership.expires))) {
    throw new ReleaseError(
      'BW_RELEASE_WAIVERS',
      `expires must be a date (YYYY-MM-DD) or an RFC 3339 time, not ${ownership.expires}`,
    );
  }
  const document = ownership.existing?.trim()
    ? parseDocument(ownership.existing)
    : new Document({});
  if (document.errors.length > 0) {
    throw new ReleaseError('BW_RELEASE_WAIVERS', 'the existing baseline is not valid YAML');
  }
  if (document.contents === null) document.contents = document.createNode({});
  let list = document.get('secrets', true);
  if (list === undefined || list === null) {
    list = new YAMLSeq();
    document.set('secrets', list);
  }
  if (!isSeq(list)) {
    throw new ReleaseError('BW_RELEASE_WAIVERS', 'the existing baseline has no secrets list');
  }
  const seq = list;
  const present = new Set(
    (seq.toJSON() as unknown[]).map((entry) => {
      const { id, path } = (entry ?? {}) as { id?: unknown; path?: unknown };
      return `${id}\0${path ?? ''}`;
    }),
  );
  for (const finding of findings) {
    if (!isSecretFinding(finding) || finding.waived) continue;
    const paths = [...new Set(finding.locations.map((location) => location.path))];
    for (const path of paths) {
      if (present.has(`${finding.id}\0${literalGlob(path)}`) || present.has(`${finding.id}\0`))
        continue;
      present.add(`${finding.id}\0${literalGlob(path)}`);
      const entry = document.createNode({
        id: finding.id,
        rule: finding.rule,
        path: literalGlob(path),
        owner: ownership.owner,
        reason: ownership.reason,
        expires: ownership.expires,
      });
      entry.commentBefore = ` ${finding.message}`;
      seq.items.push(entry);
    }
  }
  return document.toString({ lineWidth: 0 });
}
