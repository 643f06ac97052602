import type { X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ServiceConfig } from '../config.js';
import type { Logger } from '../logging/logger.js';
import {
  type CertificateSummary,
  filesSignatureSync,
  loadTlsMaterialSync,
  secureContextOptions,
  summarize,
  type TlsFiles,
} from './certificate-files.js';
import { CertificateReloader } from './certificate-reloader.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** A certificate this close to expiry is logged as a warning at start and on each reload. */
const EXPIRY_WARNING_SECONDS = 14 * 86_400;

export interface ListenerServer {
  /** An http.Server, or an https.Server (which is one, for everything Fastify and Node use). */
  server: Server;
  scheme: 'http' | 'https';
  /** Stops watching the certificate files. */
  close(): void;
  /** The certificate served now (after any reload), for health and metrics; none over HTTP. */
  certificate(): CertificateSummary | undefined;
}

/**
 * The server the traced server factory serves on: plain HTTP when tls has no certificate,
 * otherwise HTTPS with the pair read from files (a ConfigError naming the file when one cannot
 * be read or the pair does not match), TLS 1.2 at least, optional or required client
 * certificates, and the files polled so that a rotated pair is served without a restart.
 *
 * Whatever listens on the returned server applies to HTTPS alike: Fastify's 'clientError'
 * handler (problem+json for malformed requests) also receives TLS handshake failures, which
 * https.Server re-emits as 'clientError'; the kit's handler answers nothing to those (there is
 * no HTTP yet) and closes the socket.
 */
export function createListenerServer(
  tls: ServiceConfig['tls'],
  listener: RequestListener,
  logger: Logger,
): ListenerServer {
  const { certFile, keyFile } = tls;
  if (certFile === undefined || keyFile === undefined) {
    return {
      server: createServer(listener),
      scheme: 'http',
      close: () => undefined,
      certificate: () => undefined,
    };
  }
  const files: TlsFiles =
    tls.caFile === undefined ? { certFile, keyFile } : { certFile, keyFile, caFile: tls.caFile };
  // The signature comes first: a file replaced while it is being read is then reloaded.
  let signature: string | undefined;
  try {
    signature = filesSignatureSync(files);
  } catch {
    signature = undefined;
  }
  const material = loadTlsMaterialSync(files);
  const mutualTls = tls.clientCertificates !== 'none';
  const server = createHttpsServer(
    {
      ...secureContextOptions(material, tls.minVersion),
      // optional: a certificate is asked for and verified, but a client without one (or with
      // one that fails) still connects; the authentication layer reads socket.authorized.
      requestCert: mutualTls,
      rejectUnauthorized: tls.clientCertificates === 'required',
    },
    listener,
  );
  logCertificate(logger, 'TLS certificate loaded', material.certificate, {
    tls_cert_file: certFile,
    tls_min_version: tls.minVersion,
    tls_client_certificates: tls.clientCertificates,
  });
  const reloader = new CertificateReloader({
    files,
    intervalMs: tls.reloadIntervalMs,
    logger,
    loadedSignature: signature,
    certificate: material.certificate,
    install: (next) => {
      // Session tickets are not carried over: a client resuming a session would keep the
      // certificate it saw before, and the point of a rotation is that new handshakes see the
      // new one. Connections already open keep the context they were made with.
      server.setSecureContext(secureContextOptions(next, tls.minVersion));
      warnIfExpiring(logger, next.certificate, certFile);
    },
  });
  return {
    server,
    scheme: 'https',
    close: () => reloader.close(),
    certificate: () => summarize(reloader.certificate),
  };
}

function logCertificate(
  logger: Logger,
  message: string,
  certificate: X509Certificate,
  fields: Record<string, unknown>,
): void {
  logger.info({ ...fields, tls: summarize(certificate) }, message);
  warnIfExpiring(logger, certificate, String(fields.tls_cert_file));
}

function warnIfExpiring(logger: Logger, certificate: X509Certificate, certFile: string): void {
  const summary = summarize(certificate);
  if (summary.expiresInSeconds > EXPIRY_WARNING_SECONDS) return;
  logger.warn(
    {
      tls_cert_file: certFile,
      serial: summary.serialNumber,
      valid_to: summary.validTo,
      expires_in_days: Math.floor(summary.expiresInSeconds / 86_400),
    },
    summary.expiresInSeconds <= 0
      ? 'the TLS certificate has expired; clients will refuse it'
      : 'the TLS certificate expires soon',
  );
}
