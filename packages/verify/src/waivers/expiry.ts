/**
 * When a waiver stops waiving. A bare date (`2027-03-31`) covers that whole day, UTC, as audit
 * waivers always have; a full RFC 3339 time ends at that instant.
 */
export function expiryTime(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires)
    ? Date.parse(`${expires}T00:00:00Z`) + 86_400_000
    : Date.parse(expires);
}

export type ExpiryState = 'active' | 'expiring' | 'expired';

/** `expiring` when it ends within `warnMs` of `now`. An unparseable expiry counts as expired. */
export function expiryState(expires: string, now: Date, warnMs: number): ExpiryState {
  const end = expiryTime(expires);
  if (Number.isNaN(end) || end <= now.getTime()) return 'expired';
  return end - now.getTime() <= warnMs ? 'expiring' : 'active';
}
