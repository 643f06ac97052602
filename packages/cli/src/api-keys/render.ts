import type { ApiKeySummary } from '@bulwark/kit/api-keys';
import { renderTable } from '../output/table.js';
import type { Terminal } from '../output/terminal.js';

/** The key listing: a table for people, or JSON; never a whole hash, never a key. */
export function printKeyList(
  terminal: Terminal,
  keys: readonly ApiKeySummary[],
  format: 'table' | 'json',
): void {
  if (format === 'json') {
    terminal.out(JSON.stringify(keys, null, 2));
    return;
  }
  if (keys.length === 0) {
    terminal.out('no API keys');
    return;
  }
  const state = (key: ApiKeySummary) =>
    key.state === 'active'
      ? terminal.color.green(key.state)
      : key.state === 'pending'
        ? terminal.color.yellow(key.state)
        : terminal.color.red(key.state);
  terminal.out(
    renderTable(
      ['ID', 'SUBJECT', 'SCOPES', 'ORG', 'STATE', 'CREATED', 'EXPIRES', 'HASH'],
      keys.map((key) => [
        key.id,
        key.subject,
        key.scopes.join(',') || '-',
        key.org ?? '-',
        state(key),
        key.createdAt,
        key.revokedAt ? `revoked ${key.revokedAt}` : (key.expiresAt ?? 'never'),
        key.hashPrefix,
      ]),
    ),
  );
}

/** What a created or rotated key looks like in JSON output: everything but the hash, plus the key. */
export function issuedKeyJson(summary: ApiKeySummary, key: string): string {
  const { hashPrefix: _hash, ...rest } = summary;
  return JSON.stringify({ ...rest, key }, null, 2);
}
