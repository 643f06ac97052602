import { KeysError, Pkcs11KeysError, ProviderClosedError } from '../../errors.js';
import {
  acquireModule,
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  CKM_EDDSA,
  ckrOf,
  type Handle,
  type Pkcs11,
  pkcs11Api,
  pkcs11Failure,
  releaseModule,
} from './cryptoki.js';

export interface TokenSessionOptions {
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
}

/**
 * Login is per application and token, and C_Logout ends it for every session on the token, so
 * only the last session this process closes on a token logs out.
 */
const openPerToken = new Map<string, number>();

/**
 * One logged-in read-write session on one token, from open() to close(). Every token call goes
 * through call(), which turns PKCS#11 failures into typed errors and refuses use after close.
 */
export class TokenSession {
  readonly tokenLabel: string;
  readonly #pkcs11: Pkcs11;
  readonly #modulePath: string;
  #session: Handle | undefined;

  private constructor(pkcs11: Pkcs11, modulePath: string, tokenLabel: string, session: Handle) {
    this.#pkcs11 = pkcs11;
    this.#modulePath = modulePath;
    this.tokenLabel = tokenLabel;
    this.#session = session;
    openPerToken.set(this.#tokenKey, (openPerToken.get(this.#tokenKey) ?? 0) + 1);
  }

  /** Loads the module, finds the token by label, checks Ed25519 support, opens and logs in. */
  static open(options: TokenSessionOptions): TokenSession {
    const pkcs11 = acquireModule(options.module);
    let session: Handle | undefined;
    try {
      const slot = findTokenSlot(pkcs11, options.tokenLabel);
      assertEd25519Mechanisms(pkcs11, slot, options.tokenLabel);
      session = openRwSession(pkcs11, slot);
      login(pkcs11, session, options.pin, options.tokenLabel);
      return new TokenSession(pkcs11, options.module, options.tokenLabel, session);
    } catch (error) {
      if (session) closeQuietly(pkcs11, session);
      releaseModule(options.module);
      if (error instanceof KeysError) throw error;
      throw pkcs11Failure(`open of token ${options.tokenLabel}`, error);
    }
  }

  get #tokenKey() {
    return `${this.#modulePath}\0${this.tokenLabel}`;
  }

  /** Runs one token call on the open session; PKCS#11 failures become typed errors. */
  call<T>(operation: string, run: (pkcs11: Pkcs11, session: Handle) => T): T {
    const session = this.#session;
    if (!session) throw new ProviderClosedError('pkcs11');
    try {
      return run(this.#pkcs11, session);
    } catch (error) {
      throw pkcs11Failure(operation, error);
    }
  }

  /**
   * Swaps in a fresh session. A failed C_Sign can leave the sign operation active (PKCS#11 2.40
   * has no cancel), failing every later C_SignInit; a new session clears it. The new one opens
   * before the old one closes, so the login, which ends with the last session, survives.
   */
  replace(): void {
    const old = this.#session;
    if (!old) return;
    try {
      this.#session = openRwSession(this.#pkcs11, this.#pkcs11.C_GetSessionInfo(old).slotID);
      closeQuietly(this.#pkcs11, old);
    } catch {
      // Keep the old session; the next call reports whatever state the token is in.
    }
  }

  /** Logs out if this is the token's last session here, closes it, and releases the module. */
  close(): void {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    const remaining = (openPerToken.get(this.#tokenKey) ?? 1) - 1;
    if (remaining > 0) openPerToken.set(this.#tokenKey, remaining);
    else {
      openPerToken.delete(this.#tokenKey);
      try {
        this.#pkcs11.C_Logout(session);
      } catch {
        // Already logged out (e.g. the token was removed); closing the session still follows.
      }
    }
    closeQuietly(this.#pkcs11, session);
    releaseModule(this.#modulePath);
  }
}

function findTokenSlot(pkcs11: Pkcs11, tokenLabel: string): Handle {
  const { CKF_TOKEN_INITIALIZED } = pkcs11Api();
  const labels: string[] = [];
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const info = pkcs11.C_GetTokenInfo(slot);
    if ((info.flags & CKF_TOKEN_INITIALIZED) === 0) continue;
    const label = info.label.trimEnd();
    if (label === tokenLabel) return slot;
    labels.push(label);
  }
  const known =
    labels.length > 0 ? `tokens present: ${labels.join(', ')}` : 'no initialised tokens';
  throw new Pkcs11KeysError(
    'BW_PKCS11_TOKEN_NOT_FOUND',
    `no PKCS#11 token labelled ${JSON.stringify(tokenLabel)} (${known})`,
  );
}

function assertEd25519Mechanisms(pkcs11: Pkcs11, slot: Handle, tokenLabel: string) {
  const mechanisms = pkcs11.C_GetMechanismList(slot);
  for (const [value, name] of [
    [CKM_EC_EDWARDS_KEY_PAIR_GEN, 'CKM_EC_EDWARDS_KEY_PAIR_GEN'],
    [CKM_EDDSA, 'CKM_EDDSA'],
  ] as const) {
    if (!mechanisms.includes(value)) {
      throw new Pkcs11KeysError(
        'BW_PKCS11_MECHANISM_UNSUPPORTED',
        `token ${tokenLabel} does not support ${name}; Ed25519 keys need a PKCS#11 3.0 token`,
      );
    }
  }
}

function openRwSession(pkcs11: Pkcs11, slot: Handle): Handle {
  const { CKF_RW_SESSION, CKF_SERIAL_SESSION } = pkcs11Api();
  try {
    return pkcs11.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
  } catch (error) {
    throw pkcs11Failure('C_OpenSession', error);
  }
}

function login(pkcs11: Pkcs11, session: Handle, pin: string, tokenLabel: string) {
  try {
    pkcs11.C_Login(session, pkcs11Api().CKU_USER, pin);
  } catch (error) {
    const ckr = ckrOf(error);
    // Login state is per application and token: another session in this process may hold it.
    if (ckr === 'CKR_USER_ALREADY_LOGGED_IN') return;
    if (ckr === 'CKR_PIN_INCORRECT') {
      throw new Pkcs11KeysError(
        'BW_PKCS11_PIN_INCORRECT',
        `the PIN for token ${tokenLabel} is incorrect`,
        ckr,
      );
    }
    if (ckr === 'CKR_PIN_LOCKED') {
      throw new Pkcs11KeysError(
        'BW_PKCS11_PIN_LOCKED',
        `the user PIN of token ${tokenLabel} is locked; the security officer must reset it`,
        ckr,
      );
    }
    throw pkcs11Failure(`C_Login on token ${tokenLabel}`, error);
  }
}

function closeQuietly(pkcs11: Pkcs11, session: Handle) {
  try {
    pkcs11.C_CloseSession(session);
  } catch {
    // Best effort: the module is finalized right after when this was its last user.
  }
}
