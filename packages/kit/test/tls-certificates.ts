import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecureVersion } from 'node:tls';
// The CLI's generator (`bulwark certs dev`): the certificates these tests use are the ones
// developers and `bulwark up` get.
import {
  type DevCertificates,
  type DevCertificatesOptions,
  ensureDevCertificates,
} from '@bulwark/cli/certs';

export { ensureDevCertificates };

/** A temporary directory, removed by the returned function. */
export function temporaryDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function devCertificates(
  dir: string,
  options: Omit<DevCertificatesOptions, 'dir'> = {},
): Promise<DevCertificates> {
  return ensureDevCertificates({ dir, ...options });
}

/** Replaces `path` the way a rotation tool does: a sibling file renamed over it. */
export function replaceAtomically(path: string, content: string | Buffer): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

export function copyPair(from: { certFile: string; keyFile: string }, to: string) {
  const pair = { certFile: join(to, 'tls.crt'), keyFile: join(to, 'tls.key') };
  copyFileSync(from.keyFile, pair.keyFile);
  copyFileSync(from.certFile, pair.certFile);
  return pair;
}

export function fingerprintOf(pem: string | Buffer): string {
  return new X509Certificate(pem).fingerprint256;
}

export interface TlsClientOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  ciphers?: string;
  method?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface TlsAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  protocol: string | null;
  /** The certificate the server presented on this connection. */
  peer: { fingerprint256: string; serialNumber: string };
}

/**
 * One request on a fresh TLS connection (no agent: no session resumption, so every call
 * handshakes and sees the certificate served now), verifying the server against `ca`.
 */
export function httpsRequest(url: string, options: TlsClientOptions = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: false,
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        minVersion: options.minVersion,
        maxVersion: options.maxVersion,
        ciphers: options.ciphers,
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        const peer = socket.getPeerCertificate();
        const protocol = socket.getProtocol();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            protocol,
            peer: { fingerprint256: peer.fingerprint256, serialNumber: peer.serialNumber },
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}
