/**
 * The signing surface every provider implements (file, PKCS#11, cloud KMS). Callers never see
 * key material: a Signer can sign and name its key, nothing more.
 */
export type SignatureAlgorithm = 'Ed25519';

export interface Signer {
  /** Stable, versioned id, e.g. "checkpoint-signer/v2". Every signature names it. */
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  sign(data: Uint8Array, purpose?: string): Promise<Uint8Array>;
}

/** Verifies signatures from any key it holds, current or rotated out. */
export interface Verifier {
  verify(keyId: string, data: Uint8Array, signature: Uint8Array): boolean;
  has(keyId: string): boolean;
}
