import { SECRET_REFERENCE } from '@bulwark/kit';
import {
  type ObjectOptions,
  type StringOptions,
  type TObject,
  type TProperties,
  type TString,
  Type,
} from '@sinclair/typebox';

/**
 * The two building blocks every config schema uses, so each one keeps the registry's rules
 * without restating them: sections refuse unknown keys, and secrets are references.
 */

/** A section of a config document (or the whole document): an unknown key is an error. */
export function ConfigSection<T extends TProperties>(
  properties: T,
  options: ObjectOptions = {},
): TObject<T> {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** A key that holds a secret: only a `${secret:name}` reference is accepted, never the value. */
export function SecretRef(options: StringOptions = {}): TString {
  return Type.String({
    ...options,
    pattern: SECRET_REFERENCE.source,
    'x-secret': true,
  });
}
