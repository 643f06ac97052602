import { ConfigRegistryError } from '../errors.js';
import type { Ack, ApplyMessage, Presence } from '../types.js';
import { checkConfigName, checkInstanceId } from './names.js';

/**
 * The three messages as they travel: JSON text, checked on both ends. Sending checks the names
 * that become subjects; receiving checks the shape, so a stray or truncated message on the
 * broker is reported and skipped instead of reaching the registry or a consumer half-formed.
 */
export type WireKind = 'apply' | 'ack' | 'presence';

export function encodeApply(message: ApplyMessage): string {
  checkConfigName(message.version.config);
  for (const instance of message.instances) checkInstanceId(instance);
  return JSON.stringify(message);
}

export function encodeAck(ack: Ack): string {
  checkConfigName(ack.config);
  checkInstanceId(ack.instance);
  return JSON.stringify(ack);
}

export function encodePresence(presence: Presence): string {
  checkConfigName(presence.config);
  checkInstanceId(presence.instance);
  return JSON.stringify(presence);
}

export function decodeApply(value: unknown): ApplyMessage {
  const m = record(value, 'apply message');
  const version = record(m.version, 'apply message version');
  if (
    typeof m.rolloutId !== 'string' ||
    (m.reason !== 'rollout' && m.reason !== 'revert') ||
    typeof m.stage !== 'number' ||
    !Array.isArray(m.instances) ||
    !m.instances.every((i) => typeof i === 'string') ||
    typeof version.config !== 'string' ||
    typeof version.version !== 'number' ||
    typeof version.document !== 'object' ||
    version.document === null
  ) {
    throw malformed('apply message');
  }
  return m as unknown as ApplyMessage;
}

export function decodeAck(value: unknown): Ack {
  const m = record(value, 'ack');
  if (
    typeof m.rolloutId !== 'string' ||
    typeof m.config !== 'string' ||
    typeof m.instance !== 'string' ||
    typeof m.version !== 'number' ||
    (m.result !== 'applied' && m.result !== 'restarting' && m.result !== 'refused')
  ) {
    throw malformed('ack');
  }
  return m as unknown as Ack;
}

export function decodePresence(value: unknown): Presence {
  const m = record(value, 'presence');
  if (
    typeof m.config !== 'string' ||
    typeof m.instance !== 'string' ||
    typeof m.version !== 'number'
  ) {
    throw malformed('presence');
  }
  return m as unknown as Presence;
}

/** JSON text to a value, or CONFIG_TRANSPORT_FAILED naming what it was meant to be. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigRegistryError('CONFIG_TRANSPORT_FAILED', `a malformed ${what} (not JSON)`, {
      cause: error,
    });
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(what);
  return value as Record<string, unknown>;
}

function malformed(what: string): ConfigRegistryError {
  return new ConfigRegistryError('CONFIG_TRANSPORT_FAILED', `a malformed ${what} was skipped`);
}
