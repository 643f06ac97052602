import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import {
  filesSignature,
  loadTlsMaterial,
  summarize,
  type TlsFiles,
  type TlsMaterial,
} from './certificate-files.js';

export interface CertificateReloaderOptions {
  files: TlsFiles;
  intervalMs: number;
  logger: Logger;
  /** The signature of the files the server started with (undefined: reload on the first tick). */
  loadedSignature: string | undefined;
  certificate: X509Certificate;
  /** Installs new material on the server (server.setSecureContext); throws when it is refused. */
  install(material: TlsMaterial): void;
}

/**
 * Picks up a rotated certificate without a restart. The files are polled (stat every
 * intervalMs), not watched: fs.watch follows the inode a path had when the watch began, and the
 * rotations that matter replace files rather than write them (cert-manager and Kubernetes swap
 * a `..data` symlink to a new directory; certbot renames), so a watch misses them or goes deaf
 * after the first. A stat of two or three files every few seconds costs nothing measurable.
 *
 * A new pair that fails to load (half-written, key and certificate from different pairs, a
 * file missing mid-swap) leaves the current one serving; it is tried again on every tick until
 * it loads, with one warning per distinct state of the files.
 */
export class CertificateReloader {
  readonly #options: CertificateReloaderOptions;
  readonly #timer: NodeJS.Timeout;
  #loadedSignature: string | undefined;
  #warnedSignature: string | undefined;
  #certificate: X509Certificate;
  #running: Promise<void> | undefined;

  constructor(options: CertificateReloaderOptions) {
    this.#options = options;
    this.#loadedSignature = options.loadedSignature;
    this.#certificate = options.certificate;
    this.#timer = setInterval(() => {
      this.#running ??= this.check().finally(() => {
        this.#running = undefined;
      });
    }, options.intervalMs);
    // A certificate poll must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  /** The certificate being served now. */
  get certificate(): X509Certificate {
    return this.#certificate;
  }

  /** One poll: reloads when the files changed since the last successful load. */
  async check(): Promise<void> {
    const { files, logger } = this.#options;
    let signature: string;
    try {
      signature = await filesSignature(files);
    } catch (error) {
      this.#refused(`stat:${(error as NodeJS.ErrnoException).code}`, error);
      return;
    }
    if (signature === this.#loadedSignature) return;
    let material: TlsMaterial;
    try {
      material = await loadTlsMaterial(files);
      this.#options.install(material);
    } catch (error) {
      this.#refused(signature, error);
      return;
    }
    const previous = this.#certificate;
    this.#loadedSignature = signature;
    this.#warnedSignature = undefined;
    this.#certificate = material.certificate;
    logger.info(
      {
        tls: summarize(material.certificate),
        previous_serial: previous.serialNumber,
        tls_cert_file: files.certFile,
      },
      'TLS certificate reloaded',
    );
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #refused(state: string, error: unknown): void {
    const { files, logger } = this.#options;
    // One warning per state of the files; a pair that stays broken is retried quietly.
    const level = state === this.#warnedSignature ? 'debug' : 'warn';
    this.#warnedSignature = state;
    logger[level](
      {
        tls_cert_file: files.certFile,
        tls_key_file: files.keyFile,
        reason: reasonOf(error),
        serving_serial: this.#certificate.serialNumber,
      },
      'TLS certificate files changed but cannot be loaded; still serving the current certificate',
    );
  }
}

/**
 * The error's message when it is one of ours or a file-system error (they name paths and codes,
 * not content); OpenSSL's own messages are reduced to their code, since a parser's message may
 * quote the bytes it choked on and those may be key material.
 */
function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { library?: string; reason?: string };
  if (e?.syscall !== undefined) return `${e.code} ${e.syscall} ${e.path ?? ''}`.trim();
  if (e?.library !== undefined || e?.code?.startsWith('ERR_OSSL')) {
    return `OpenSSL rejected the pair (${e.code ?? e.reason ?? 'unknown'})`;
  }
  return e instanceof Error ? e.message : String(error);
}
