import { createHash } from 'node:crypto';

/**
 * A secret's stable id: the first 16 hex digits of sha256(rule + NUL + value). The same secret in
 * the tree and in ten commits is one id, which is what a baseline entry names, and the id reveals
 * nothing of the value.
 */
export function secretFingerprint(rule: string, value: string): string {
  return createHash('sha256').update(`${rule}\0${value}`).digest('hex').slice(0, 16);
}

/**
 * The most of a secret a message may show: a prefix of at most 8 characters and never more
 * than a quarter of it (`bwk_0123…`), enough to recognise which key it is and not to use it.
 */
export function maskSecret(value: string): string {
  const shown = Math.min(8, Math.floor(value.length / 4));
  return `${value.slice(0, shown).replace(/\s/g, ' ')}…`;
}
