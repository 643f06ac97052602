/** The Authorization header split into its scheme (lower-cased) and credentials (RFC 9110 §11.4). */
export interface AuthorizationHeader {
  readonly scheme: string;
  /** Empty when the header names a scheme and nothing else. */
  readonly credentials: string;
}

export function parseAuthorization(header: string): AuthorizationHeader {
  const space = header.indexOf(' ');
  if (space === -1) return { scheme: header.toLowerCase(), credentials: '' };
  return {
    scheme: header.slice(0, space).toLowerCase(),
    credentials: header.slice(space + 1).trim(),
  };
}
