import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILE_KEYSTORE,
  KeysConfigError,
  keyProviderConfigFromEnv,
  MemoryAuditSink,
  openKeyProvider,
} from '../src/index.js';

describe('provider configuration from the environment', () => {
  it('defaults to the file keystore in .bulwark/keys', () => {
    expect(keyProviderConfigFromEnv({})).toEqual({ provider: 'file', dir: DEFAULT_FILE_KEYSTORE });
    expect(keyProviderConfigFromEnv({ BULWARK_KEYS_DIR: '/srv/keys' })).toEqual({
      provider: 'file',
      dir: '/srv/keys',
    });
  });

  it('reads the PKCS#11 module, token label and PIN', () => {
    expect(
      keyProviderConfigFromEnv({
        BULWARK_KEYS_PROVIDER: 'pkcs11',
        BULWARK_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
        BULWARK_PKCS11_TOKEN_LABEL: 'bulwark',
        BULWARK_PKCS11_PIN: '123456',
      }),
    ).toEqual({
      provider: 'pkcs11',
      module: '/usr/lib/softhsm/libsofthsm2.so',
      tokenLabel: 'bulwark',
      pin: '123456',
    });
  });

  it('names every missing PKCS#11 variable, and never echoes a PIN', () => {
    const error = (() => {
      try {
        keyProviderConfigFromEnv({
          BULWARK_KEYS_PROVIDER: 'pkcs11',
          BULWARK_PKCS11_PIN: 'secret-pin-999',
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(KeysConfigError);
    expect((error as Error).message).toContain('BULWARK_PKCS11_MODULE, BULWARK_PKCS11_TOKEN_LABEL');
    expect((error as Error).message).not.toContain('secret-pin-999');
  });

  it('rejects an unknown provider', () => {
    expect(() => keyProviderConfigFromEnv({ BULWARK_KEYS_PROVIDER: 'vault' })).toThrow(
      expect.objectContaining({ code: 'BW_KEYS_CONFIG_INVALID' }),
    );
  });

  it('opens the configured provider', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-config-'));
    try {
      const provider = await openKeyProvider(
        { provider: 'file', dir: join(dir, 'keys') },
        new MemoryAuditSink(),
      );
      expect(provider.kind).toBe('file');
      expect((await provider.create('device')).keyId).toBe('device/v1');
      await provider.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
