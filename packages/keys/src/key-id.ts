import { InvalidKeyNameError } from './errors.js';

/**
 * Key ids are `<name>/v<N>`: the name says what the key is for, the version which rotation of it.
 * Names are restricted so they are safe as file names, PKCS#11 labels and KMS alias segments.
 */
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const KEY_ID = /^([a-z0-9][a-z0-9._-]{0,63})\/v([1-9][0-9]{0,8})$/;

export interface ParsedKeyId {
  readonly name: string;
  readonly version: number;
}

export function isKeyName(name: string): boolean {
  return NAME.test(name) && !name.includes('..');
}

export function assertKeyName(name: string): string {
  if (!isKeyName(name)) {
    throw new InvalidKeyNameError(
      name,
      'use 1-64 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
    );
  }
  return name;
}

export function formatKeyId(name: string, version: number): string {
  assertKeyName(name);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidKeyNameError(`${name}/v${version}`, 'versions are whole numbers from 1');
  }
  return `${name}/v${version}`;
}

export function parseKeyId(keyId: string): ParsedKeyId {
  const match = KEY_ID.exec(keyId);
  if (!match || match[1]!.includes('..')) {
    throw new InvalidKeyNameError(keyId, 'key ids look like "<name>/v<N>", e.g. checkpoint/v2');
  }
  return { name: match[1]!, version: Number(match[2]) };
}

/** Like parseKeyId, but returns undefined for strings that are not Bulwark key ids. */
export function tryParseKeyId(keyId: string): ParsedKeyId | undefined {
  try {
    return parseKeyId(keyId);
  } catch {
    return undefined;
  }
}
