// The polyfill must be in place before @peculiar/x509 (and tsyringe) load: imports run in order.
// @peculiar/x509 registers its algorithms through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createPrivateKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// x509 signs through WebCrypto; Node's is complete for ECDSA P-256.
x509.cryptoProvider.set(webcrypto);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** A subjectAltName entry: a DNS name, an IP address, or a URI (a SPIFFE id). */
export interface AltName {
  type: 'dns' | 'ip' | 'url';
  value: string;
}

export interface LeafRequest {
  ca: PemPair;
  commonName: string;
  /** server: serverAuth EKU (TLS servers); client: clientAuth EKU (mTLS clients). */
  usage: 'server' | 'client';
  altNames: readonly AltName[];
  validity: Validity;
}

/** A local certificate authority: ECDSA P-256, CA:true with no intermediates, keyCertSign. */
export async function issueCertificateAuthority(
  commonName: string,
  validity: Validity,
): Promise<PemPair> {
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }, { O: ['Bulwark development'] }],
    ...validity,
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey) };
}

/** A server or client certificate signed by `ca`. */
export async function issueLeafCertificate(request: LeafRequest): Promise<PemPair> {
  const caCert = new x509.X509Certificate(request.ca.certPem);
  const caKey = await importSigningKey(request.ca.keyPem);
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [request.commonName] }],
    issuer: caCert.subject,
    ...request.validity,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [
          request.usage === 'server'
            ? x509.ExtendedKeyUsage.serverAuth
            : x509.ExtendedKeyUsage.clientAuth,
        ],
        false,
      ),
      new x509.SubjectAlternativeNameExtension(
        request.altNames.map(({ type, value }) => ({ type, value })),
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey) };
}

function newKeyPair(): Promise<CryptoKeyPair> {
  // Extractable so the private key can be written out; it never leaves this process otherwise.
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

function importSigningKey(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * 128 random bits, positive and without a leading zero byte (RFC 5280 4.1.2.2: unique per CA,
 * at most 20 octets), so a reissued certificate is always told apart from the one it replaces.
 */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
