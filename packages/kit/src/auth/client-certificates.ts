import type { Socket } from 'node:net';
import { type PeerCertificate, TLSSocket } from 'node:tls';
import type { ServiceConfig } from '../config.js';
import type { Principal } from './principal.js';

type Mapping = NonNullable<ServiceConfig['auth']['clientCertificates']>[number];

interface Rule {
  readonly fingerprint256?: string;
  readonly commonName?: string;
  readonly uri?: string;
  readonly principal: Principal;
}

/**
 * Workload identity from mTLS: a client certificate that the TLS layer verified against
 * tls.caFile, mapped to a subject and scopes by its SHA-256 fingerprint, its common name, or a
 * URI SAN (a SPIFFE id). An entry that names several of these matches only when all do.
 * The answer is kept per connection: a keep-alive connection maps its certificate once.
 */
export class ClientCertificateMap {
  readonly #rules: readonly Rule[];
  readonly #bySocket = new WeakMap<TLSSocket, Principal | null>();

  constructor(mappings: readonly Mapping[]) {
    this.#rules = mappings.map((mapping) => ({
      ...(mapping.fingerprint256 === undefined
        ? {}
        : { fingerprint256: mapping.fingerprint256.toUpperCase() }),
      ...(mapping.commonName === undefined ? {} : { commonName: mapping.commonName }),
      ...(mapping.uri === undefined ? {} : { uri: mapping.uri }),
      principal: Object.freeze({
        subject: mapping.subject,
        kind: 'client-certificate' as const,
        scopes: Object.freeze([...mapping.scopes]),
      }),
    }));
  }

  /**
   * The principal of the connection's client certificate: only when the socket is TLS, the
   * certificate verified (`authorized`), and an entry maps it. Anything else is undefined, and
   * the request's other credentials are looked at instead.
   */
  principalOf(socket: Socket): Principal | undefined {
    if (!(socket instanceof TLSSocket) || socket.authorized !== true) return undefined;
    let principal = this.#bySocket.get(socket);
    if (principal === undefined) {
      principal = this.principalFor(socket.getPeerCertificate()) ?? null;
      this.#bySocket.set(socket, principal);
    }
    return principal ?? undefined;
  }

  /** The principal a (verified) certificate maps to, if any entry matches it. */
  principalFor(certificate: PeerCertificate): Principal | undefined {
    if (certificate?.fingerprint256 === undefined) return undefined;
    const fingerprint = certificate.fingerprint256.toUpperCase();
    const commonName = singleCommonName(certificate);
    let uris: readonly string[] | undefined;
    for (const rule of this.#rules) {
      if (rule.fingerprint256 !== undefined && rule.fingerprint256 !== fingerprint) continue;
      if (rule.commonName !== undefined && rule.commonName !== commonName) continue;
      if (rule.uri !== undefined) {
        uris ??= uriNames(certificate.subjectaltname);
        if (!uris.includes(rule.uri)) continue;
      }
      return rule.principal;
    }
    return undefined;
  }
}

/** The subject's CN when there is exactly one; a certificate with several is matched by none. */
function singleCommonName(certificate: PeerCertificate): string | undefined {
  const cn = certificate.subject?.CN as string | string[] | undefined;
  return typeof cn === 'string' ? cn : undefined;
}

/**
 * The URI entries of Node's `subjectaltname` text (`DNS:a, URI:spiffe://td/ns/x`). Node quotes
 * an entry that contains a comma or quote as a JSON string (`URI:"spiffe://a,b"`), so such an
 * entry can neither be split in two nor pass for two.
 */
export function uriNames(subjectAltName: string | undefined): string[] {
  const uris: string[] = [];
  if (!subjectAltName) return uris;
  const entry = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const match of subjectAltName.matchAll(entry)) {
    if (match[1] !== 'URI') continue;
    const value = match[2] as string;
    if (!value.startsWith('"')) {
      uris.push(value);
      continue;
    }
    try {
      uris.push(JSON.parse(value) as string);
    } catch {
      // Not Node's quoting: ignore the entry rather than guess.
    }
  }
  return uris;
}
