/**
 * What a service token is signed with: @bulwark/keys' Signer satisfies it (file keystore,
 * PKCS#11 HSM, AWS KMS), but the kit only names its shape, so a service that verifies service
 * tokens never loads those providers or their native addon.
 */
export interface TokenSigner {
  /** Versioned key id, e.g. `orders-tokens/v2`: the token's `kid`, looked up in the keyring. */
  readonly keyId: string;
  /** A raw 64-byte Ed25519 signature of `data`. */
  sign(data: Uint8Array, purpose?: string): Promise<Uint8Array>;
}

/** What the signer's audit log records each token signature as. */
export const SERVICE_TOKEN_PURPOSE = 'service-token';
