import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Pkcs11js from 'pkcs11js';
import { KeystoreCorruptError, type Pkcs11ErrorCode, Pkcs11KeysError } from '../../errors.js';

export type Pkcs11Api = typeof Pkcs11js;
export type Pkcs11 = Pkcs11js.PKCS11;
export type Handle = Pkcs11js.Handle;

/**
 * PKCS#11 3.0 values pkcs11js 2.1 does not export yet (Edwards-curve keys and EdDSA), from the
 * OASIS PKCS#11 v3.0 base specification (pkcs11t.h).
 */
export const CKK_EC_EDWARDS = 0x40;
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
/** CKA_EC_PARAMS for Ed25519: the DER OID 1.3.101.112 (id-Ed25519, RFC 8410). */
export const ED25519_EC_PARAMS = Buffer.from('06032b6570', 'hex');
/** The same curve as a DER PrintableString "edwards25519", which some tokens require instead. */
export const ED25519_EC_PARAMS_NAMED = Buffer.from('130c656477617264733235353139', 'hex');

let api: Pkcs11Api | undefined;

/** Loaded on first use so the native addon is only needed by processes that talk to an HSM. */
export function pkcs11Api(): Pkcs11Api {
  // pkcs11js is CommonJS over a native addon; its names are not visible to an ESM import.
  api ??= createRequire(import.meta.url)('pkcs11js') as Pkcs11Api;
  return api;
}

/** The CKR_* name of a PKCS#11 failure, or undefined for anything else. */
export function ckrOf(error: unknown): string | undefined {
  if (error instanceof Error && error.name === 'Pkcs11Error') {
    return /^CKR_[A-Z0-9_]+/.exec(error.message)?.[0];
  }
  return undefined;
}

/**
 * Re-throws a pkcs11js failure as a typed error that names the operation and the CKR value.
 * pkcs11js messages carry only the CKR name and the native call, never arguments such as PINs.
 */
export function pkcs11Failure(
  operation: string,
  error: unknown,
  code: Pkcs11ErrorCode = 'BW_PKCS11_OPERATION_FAILED',
): Pkcs11KeysError {
  if (error instanceof Pkcs11KeysError) return error;
  const ckr = ckrOf(error);
  const detail = ckr ?? (error instanceof Error ? error.message.split('\n')[0] : 'unknown error');
  return new Pkcs11KeysError(code, `PKCS#11 ${operation} failed: ${detail}`, ckr, { cause: error });
}

interface LoadedModule {
  readonly pkcs11: Pkcs11;
  /** False when something else in the process had initialised it: then it is theirs to finalize. */
  readonly initializedHere: boolean;
  refs: number;
}

const loaded = new Map<string, LoadedModule>();

/**
 * A PKCS#11 library is process-global: one C_Initialize per process, and C_Finalize ends every
 * session in it. So modules are shared and reference-counted; the last release finalizes.
 */
export function acquireModule(path: string): Pkcs11 {
  const existing = loaded.get(path);
  if (existing) {
    existing.refs += 1;
    return existing.pkcs11;
  }
  if (!existsSync(path)) {
    throw new Pkcs11KeysError(
      'BW_PKCS11_MODULE_LOAD_FAILED',
      `PKCS#11 module ${path} does not exist`,
    );
  }
  const { PKCS11 } = pkcs11Api();
  const pkcs11 = new PKCS11();
  try {
    pkcs11.load(path);
  } catch (error) {
    throw pkcs11Failure(`load of module ${path}`, error, 'BW_PKCS11_MODULE_LOAD_FAILED');
  }
  let initializedHere = true;
  try {
    pkcs11.C_Initialize();
  } catch (error) {
    if (ckrOf(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      pkcs11.close();
      throw pkcs11Failure(`C_Initialize of module ${path}`, error, 'BW_PKCS11_MODULE_LOAD_FAILED');
    }
    initializedHere = false;
  }
  loaded.set(path, { pkcs11, initializedHere, refs: 1 });
  return pkcs11;
}

export function releaseModule(path: string): void {
  const module = loaded.get(path);
  if (!module) return;
  module.refs -= 1;
  if (module.refs > 0) return;
  loaded.delete(path);
  try {
    if (module.initializedHere) module.pkcs11.C_Finalize();
  } finally {
    module.pkcs11.close();
  }
}

/**
 * CKA_EC_POINT of an Edwards key is the 32-byte point wrapped in a DER OCTET STRING (04 20 ...)
 * per PKCS#11 3.0; a few modules return the bare 32 bytes, so both are accepted. Parsed by hand
 * because it is two fixed header bytes, not general DER.
 */
export function ed25519PointFromEcPoint(ecPoint: Uint8Array): Uint8Array {
  if (ecPoint.length === 34 && ecPoint[0] === 0x04 && ecPoint[1] === 0x20) {
    return new Uint8Array(ecPoint.subarray(2));
  }
  if (ecPoint.length === 32) return new Uint8Array(ecPoint);
  throw new KeystoreCorruptError(`CKA_EC_POINT is not an Ed25519 point (${ecPoint.length} bytes)`);
}
