import { type Signer, signPayload, type Verifier } from '@bulwark/keys';
import { firstSchemaError } from '@bulwark/kit';
import { BundleRefusedError, PolicyError } from '../errors.js';
import { compilePolicy } from '../policy/compile.js';
import { parsePolicy } from '../policy/load.js';
import type { CompiledPolicy } from '../policy/types.js';
import { worstSignatureFailure } from '../signature-failure.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_PAYLOAD_TYPE,
  MAX_BUNDLE_BYTES,
  type SignedBundle,
  signedBundleValidator,
} from './schema.js';

/** Why a signature names the key it was made with in the signing audit record. */
export const BUNDLE_SIGNING_PURPOSE = 'gate.policy-bundle';

/** What a gate trusts when it opens a bundle. */
export interface BundleTrust {
  /** This gate's name: a bundle whose policy names another gate is refused. */
  readonly gate: string;
  /** The policy signing keys (every version still trusted). */
  readonly keyring: Verifier;
  /** Production: an unsigned bundle is refused. A present but invalid signature is always refused. */
  readonly requireSignature: boolean;
  /** The installed policy; a bundle must carry a higher version to replace it. */
  readonly installed?: { readonly version: number; readonly digest: string };
  readonly now: Date;
  /** Names the bundle in policy error messages (a file path, "POST /v1/bundle"); "bundle" by default. */
  readonly source?: string;
}

/** What a gate re-checks of the bundle it installed earlier (signature, tamper, policy, gate). */
export type InstalledBundleTrust = Omit<BundleTrust, 'installed' | 'now'>;

export interface OpenedBundle {
  readonly policy: CompiledPolicy;
  /** The exact policy bytes that were signed (YAML or JSON). */
  readonly bytes: Uint8Array;
  /** Key ids of every signature, each verified. Empty when unsigned. */
  readonly signedBy: string[];
  readonly signed: boolean;
}

/**
 * Signs the exact policy bytes with every signer. The policy is parsed and compiled first, so
 * nobody signs (and nobody later has to refuse) a policy that cannot be installed.
 */
export async function signBundle(
  policyBytes: Uint8Array,
  signers: readonly Signer[],
  purpose: string = BUNDLE_SIGNING_PURPOSE,
): Promise<SignedBundle> {
  compilePolicy(parsePolicy(policyBytes, 'policy to sign'));
  const signatures = [];
  for (const signer of signers) {
    signatures.push(await signPayload(signer, BUNDLE_PAYLOAD_TYPE, policyBytes, purpose));
  }
  return {
    format: BUNDLE_FORMAT,
    payload: Buffer.from(policyBytes).toString('base64'),
    signatures,
  };
}

/** The bundle document as bytes to write or post (JSON, one trailing newline). */
export function encodeBundle(bundle: SignedBundle): Uint8Array {
  return Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`, 'utf8');
}

/**
 * Opens a bundle for installation: signatures, policy, gate, version and expiry. Bytes that are
 * not the bundle format are a bare policy, i.e. an unsigned bundle. Throws BundleRefusedError.
 */
export function openBundle(bytes: Uint8Array, trust: BundleTrust): OpenedBundle {
  const opened = readBundle(bytes, trust);
  const document = opened.policy.document;
  if (trust.installed && document.version <= trust.installed.version) {
    throw new BundleRefusedError(
      'rollback',
      `policy version ${document.version} is not newer than the installed version ${trust.installed.version}.`,
    );
  }
  const expiresAt = Date.parse(document.expiresAt);
  if (!(expiresAt > trust.now.getTime())) {
    throw new BundleRefusedError(
      'expired',
      `policy version ${document.version} expired at ${document.expiresAt}.`,
    );
  }
  return opened;
}

/**
 * Re-opens the bundle a gate installed earlier (read back from its state): signatures, tamper,
 * policy and gate are checked again, but not rollback (it is the installed version) nor expiry
 * (an expired installed policy stays loaded and denies everything, which is louder and safer
 * than refusing to start).
 */
export function reopenInstalledBundle(
  bytes: Uint8Array,
  trust: InstalledBundleTrust,
): OpenedBundle {
  return readBundle(bytes, trust);
}

function readBundle(bytes: Uint8Array, trust: InstalledBundleTrust): OpenedBundle {
  if (bytes.byteLength > MAX_BUNDLE_BYTES) {
    throw new BundleRefusedError(
      'malformed',
      `the bundle is ${bytes.byteLength} bytes, over the ${MAX_BUNDLE_BYTES} byte limit.`,
    );
  }
  const source = trust.source ?? 'bundle';
  const envelope = sniffBundle(bytes);
  let policyBytes: Uint8Array;
  let signedBy: string[];
  if (envelope === undefined) {
    policyBytes = bytes;
    signedBy = [];
  } else {
    const bundle = validBundle(envelope);
    policyBytes = decodePayload(bundle.payload);
    signedBy = verifySignatures(bundle, policyBytes, trust.keyring);
  }
  const signed = signedBy.length > 0;
  if (!signed && trust.requireSignature) {
    throw new BundleRefusedError(
      'unsigned',
      'the bundle carries no signature and this gate only installs signed policy.',
    );
  }
  // Parsed only after the signatures hold: untrusted YAML is not parsed when signing is required.
  let policy: CompiledPolicy;
  try {
    policy = compilePolicy(parsePolicy(policyBytes, source));
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    throw new BundleRefusedError('invalid-policy', error.message, { cause: error });
  }
  if (policy.document.gate !== trust.gate) {
    throw new BundleRefusedError(
      'wrong-gate',
      `the policy is for gate "${policy.document.gate}", not "${trust.gate}".`,
    );
  }
  return { policy, bytes: policyBytes, signedBy, signed };
}

/**
 * The parsed JSON when the bytes are a bundle document, undefined for a bare policy. Anything
 * that looks like a bundle (its format, or a payload or signatures field) is held to the bundle
 * schema, so a signature block can never be slipped past as "just a policy with extra fields".
 */
function sniffBundle(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  if (!text.trimStart().startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // Not JSON: let the policy parser say what is wrong with it.
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const looksLikeBundle =
    record.format === BUNDLE_FORMAT || 'signatures' in record || 'payload' in record;
  return looksLikeBundle ? value : undefined;
}

function validBundle(value: unknown): SignedBundle {
  const validate = signedBundleValidator();
  if (!validate(value)) {
    throw new BundleRefusedError(
      'malformed',
      `the bundle is not a ${BUNDLE_FORMAT} document: ${firstSchemaError(validate.errors)}.`,
    );
  }
  return value;
}

/** Base64 that round-trips exactly, so two different documents can never carry the same payload. */
function decodePayload(payload: string): Uint8Array {
  const bytes = Buffer.from(payload, 'base64');
  if (payload.length % 4 !== 0 || bytes.toString('base64') !== payload) {
    throw new BundleRefusedError('malformed', 'the bundle payload is not canonical base64.');
  }
  return new Uint8Array(bytes);
}

/**
 * Every signature present must verify, whether or not this gate requires signatures: a present
 * but invalid signature block is an attack or an accident, never "unsigned" (the gap in OPA's
 * GHSA-wrf7-wj9j-2jh6, where an unverified signature file was ignored).
 */
function verifySignatures(bundle: SignedBundle, payload: Uint8Array, keyring: Verifier): string[] {
  const failure = worstSignatureFailure(bundle.signatures, payload, BUNDLE_PAYLOAD_TYPE, keyring);
  if (failure) throw new BundleRefusedError(failure.reason, sentence(failure.message));
  return [...new Set(bundle.signatures.map((envelope) => envelope.keyId))];
}

function sentence(message: string): string {
  return message.endsWith('.') ? message : `${message}.`;
}
