// @peculiar/x509 registers its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Certificates for the TLS checks' tests, made with @peculiar/x509 (the library `bulwark certs
 * dev` uses): a CA, leaves it issues (valid, expired, for the wrong name), and a self-signed one.
 * ECDSA P-256: fast to generate, so each test file makes its own.
 */

import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

export interface LeafOptions {
  readonly names?: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface TestPki {
  /** The CA certificate, PEM. */
  readonly ca: string;
  /** A leaf signed by the CA, for localhost and 127.0.0.1 unless `names` says otherwise. */
  issue(options?: LeafOptions): Promise<PemPair>;
  /** A leaf that signs itself: no CA vouches for it. */
  selfSigned(options?: LeafOptions): Promise<PemPair>;
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function leafExtensions(names: readonly string[]) {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(
      names.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? 'ip' : 'dns', value }) as const),
    ),
  ];
}

export async function createTestPki(): Promise<TestPki> {
  const caKeys = await keyPair();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Bulwark verify test CA',
    keys: caKeys,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const window = (options: LeafOptions) => ({
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 20 * DAY_MS),
  });
  return {
    ca: caCert.toString('pem'),
    async issue(options = {}) {
      const keys = await keyPair();
      const names = options.names ?? ['localhost', '127.0.0.1'];
      const cert = await x509.X509CertificateGenerator.create({
        subject: `CN=${names[0]}`,
        issuer: caCert.subject,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ALGORITHM,
        ...window(options),
        extensions: [
          ...leafExtensions(names),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
    },
    async selfSigned(options = {}) {
      const keys = await keyPair();
      const names = options.names ?? ['localhost', '127.0.0.1'];
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        name: `CN=${names[0]}`,
        keys,
        signingAlgorithm: ALGORITHM,
        ...window(options),
        extensions: leafExtensions(names),
      });
      return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
    },
  };
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A plain node https server on a loopback port: the TLS checks see its real handshakes. */
export async function startHttpsServer(
  pair: PemPair,
  listener: RequestListener,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const server = createHttpsServer({ cert: pair.cert, key: pair.key, ...options }, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A plain HTTP server on a loopback port. */
export async function startHttpServer(listener: RequestListener): Promise<RunningServer> {
  const server = createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes files into a fresh temporary directory; `remove` deletes it. */
export function tempFiles(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-verify-tls-'));
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(dir, name), text, { mode: 0o600 });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
