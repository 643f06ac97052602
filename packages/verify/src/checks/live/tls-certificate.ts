import { isIP } from 'node:net';
import {
  type ConnectionOptions,
  checkServerIdentity,
  connect,
  type DetailedPeerCertificate,
  type TLSSocket,
} from 'node:tls';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckOutcome, CheckPlugin } from '../check.js';
import { aborted, skipped } from '../outcomes.js';
import type { Figures, LiveRun } from './live-check.js';
import { judgeWithVersion, liveRun } from './live-check.js';

export const TlsCertificateParams = Type.Object(
  {
    /** Fewer days than this before the certificate expires fails the check. */
    minDaysLeft: Type.Integer({ minimum: 0, maximum: 3650, default: 14 }),
  },
  { additionalProperties: false },
);
export type TlsCertificateParamsValue = Static<typeof TlsCertificateParams>;

const MODERN_PROTOCOLS: ReadonlySet<string> = new Set(['TLSv1.2', 'TLSv1.3']);
const DAY_MS = 86_400_000;

/** What one handshake showed. */
type Handshake =
  | {
      readonly kind: 'done';
      readonly protocol: string | null;
      readonly cipher: string;
      readonly authorized: boolean;
      readonly authorizationError?: string;
      readonly certificate: DetailedPeerCertificate | undefined;
    }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

interface HandshakeOptions {
  readonly host: string;
  readonly port: number;
  readonly ca?: string;
  readonly serverName?: string;
  readonly legacy: boolean;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * One TLS handshake and nothing more: no request is ever sent on it. `rejectUnauthorized` is
 * off here only so a refused certificate can still be read and reported (subject, issuer,
 * expiry); the check then applies the same verdict Node would (`authorizationError`, and
 * `checkServerIdentity` for the name) and fails on any of them. Written on node:tls directly:
 * an HTTP client hides the negotiated protocol and the peer certificate.
 */
function handshake(options: HandshakeOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined;
    const settle = (result: Handshake) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(result);
    };
    const onAbort = () => settle({ kind: 'failed', code: 'ABORTED', message: 'aborted' });
    const timer = setTimeout(
      () =>
        settle({
          kind: 'failed',
          code: 'ETIMEDOUT',
          message: `no handshake within ${options.timeoutMs} ms`,
        }),
      options.timeoutMs,
    );
    options.signal.addEventListener('abort', onAbort, { once: true });
    const connectOptions: ConnectionOptions = {
      host: options.host,
      port: options.port,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      // SNI must be a host name (RFC 6066 §3): never an IP address.
      ...(options.serverName === undefined ? {} : { servername: options.serverName }),
      rejectUnauthorized: false,
      ...(options.legacy
        ? // The old protocols need OpenSSL's security level 0 on this side, or the client
          // refuses to offer them at all and nothing about the server is learnt.
          { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }
        : { minVersion: 'TLSv1' }),
    };
    socket = connect(connectOptions);
    socket.once('secureConnect', () => {
      const s = socket as TLSSocket;
      const certificate = s.getPeerCertificate(true);
      settle({
        kind: 'done',
        protocol: s.getProtocol(),
        cipher: s.getCipher()?.standardName ?? s.getCipher()?.name ?? 'unknown',
        authorized: s.authorized,
        ...(s.authorizationError ? { authorizationError: String(s.authorizationError) } : {}),
        certificate: certificate && Object.keys(certificate).length > 0 ? certificate : undefined,
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      settle({
        kind: 'failed',
        code: error.code ?? 'ERROR',
        message: error.message.split('\n')[0] ?? '',
      });
    });
  });
}

/**
 * The https target's TLS, judged from a real handshake: the protocol negotiated is TLS 1.2 or
 * newer; a client offering only TLS 1.0 and 1.1 is refused; the certificate chains to the plan's
 * CA (or the system roots), carries the host name, and has at least `minDaysLeft` days to run.
 */
export async function judgeTlsCertificate(
  params: TlsCertificateParamsValue,
  run: LiveRun,
): Promise<CheckOutcome> {
  const { target } = run;
  if (target.base.protocol !== 'https:') {
    return skipped(
      `${target.service.name} is served over plain http (${target.base.origin}): no TLS to check`,
    );
  }
  const host = target.base.hostname.replace(/^\[|\]$/g, '');
  const trust = target.access.client.tls;
  const name = trust?.serverName ?? host;
  const base = {
    host,
    port: Number(target.base.port || 443),
    ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
    ...(isIP(name) === 0 ? { serverName: name } : {}),
    timeoutMs: target.client.timeoutMs,
    signal: target.signal,
  };
  const figures: Figures = {
    trust: target.access.described.find((d) => d.startsWith('CA ')) ?? 'system roots',
    name,
  };
  run.progress('TLS handshake');
  const modern = await handshake({ ...base, legacy: false });
  if (target.signal.aborted) return aborted();
  if (modern.kind === 'failed') {
    return {
      status: 'fail',
      summary: `TLS handshake failed: ${modern.code} (${modern.message})`,
      measurements: figures,
    };
  }
  const problems: string[] = [];
  const certificate = modern.certificate;
  figures.protocol = modern.protocol ?? 'unknown';
  figures.cipher = modern.cipher;
  if (!MODERN_PROTOCOLS.has(modern.protocol ?? '')) {
    problems.push(`negotiated ${modern.protocol ?? 'an unknown protocol'}, older than TLSv1.2`);
  }
  if (certificate === undefined) problems.push('the server sent no certificate');
  else {
    Object.assign(figures, describeCertificate(certificate, run.now()));
    // Node reports a name mismatch as an authorization error too; the name check says it better.
    if (!modern.authorized && modern.authorizationError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
      problems.push(
        `certificate not trusted (${modern.authorizationError ?? 'unverified'}) against ${figures.trust}`,
      );
    }
    const mismatch = checkServerIdentity(name, certificate);
    if (mismatch)
      problems.push(`certificate does not name ${name} (${mismatch.message.split('\n')[0]})`);
    const daysLeft = figures.daysLeft as number;
    if (daysLeft < params.minDaysLeft) {
      problems.push(
        daysLeft < 0
          ? `certificate expired ${-daysLeft} day${daysLeft === -1 ? '' : 's'} ago (${figures.notAfter})`
          : `certificate expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${figures.notAfter}), under the ${params.minDaysLeft}-day minimum`,
      );
    }
  }
  run.progress('TLS 1.1 handshake');
  const legacy = await handshake({ ...base, legacy: true });
  if (target.signal.aborted) return aborted();
  let legacyUntested: string | undefined;
  if (legacy.kind === 'done') {
    figures.legacy = `accepted ${legacy.protocol ?? 'an old protocol'}`;
    problems.push(
      `a client offering only TLS 1.0/1.1 is served ${legacy.protocol ?? ''}`.trimEnd(),
    );
  } else if (legacy.code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') {
    // This machine's OpenSSL cannot offer TLS 1.0/1.1 at all: the server's answer is unknown.
    legacyUntested = 'this machine cannot offer TLS 1.0/1.1, so their refusal was not tested';
    figures.legacy = 'not tested';
  } else if (['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(legacy.code)) {
    problems.push(`the TLS 1.1 handshake could not reach the server (${legacy.code})`);
  } else {
    figures.legacy = `refused (${legacy.code})`;
  }
  const evidence = {
    measurements: figures,
    ...(certificate?.raw
      ? {
          artifacts: [
            {
              name: 'certificate.pem',
              mediaType: 'application/x-pem-file',
              content: pem(certificate.raw),
            },
          ],
        }
      : {}),
  };
  if (problems.length > 0) return { status: 'fail', summary: problems.join('; '), ...evidence };
  const summary = `${figures.protocol} (${figures.cipher}); certificate for ${name} by ${figures.issuer}, valid ${figures.daysLeft} more days, trusted against ${figures.trust}; TLS 1.0/1.1 ${legacyUntested ? 'not tested' : 'refused'}`;
  if (legacyUntested)
    return { status: 'warn', summary: `${summary}: ${legacyUntested}`, ...evidence };
  return { status: 'pass', summary, ...evidence };
}

function describeCertificate(certificate: DetailedPeerCertificate, now: Date): Figures {
  const notAfter = new Date(certificate.valid_to);
  const notBefore = new Date(certificate.valid_from);
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    fingerprint256: certificate.fingerprint256,
    subjectAltName: certificate.subjectaltname ?? '',
    serialNumber: certificate.serialNumber,
  };
}

function distinguishedName(name: DetailedPeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}

function pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export const tlsCertificateCheck: CheckPlugin<TlsCertificateParamsValue> = {
  id: 'tls.certificate',
  description:
    'https only: TLS 1.2+ negotiated, TLS 1.0/1.1 refused, certificate trusted, naming the host, with minDaysLeft days to run',
  params: TlsCertificateParams,
  scope: 'service',
  kinds: ['http', 'ledger', 'tool-gate'],
  run: (params, ctx) =>
    judgeWithVersion(liveRun('tls.certificate', ctx), (run) => judgeTlsCertificate(params, run)),
};
