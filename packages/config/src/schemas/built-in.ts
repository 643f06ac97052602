import { ConfigSchemas } from '../schemas.js';
import { NotificationsConfigV1 } from './notifications.v1.js';

/** The config schemas that ship with @bulwark/config, and are published in schemas/config/. */
export const BUILT_IN_CONFIG_SCHEMAS = [
  { name: 'notifications', version: 1, schema: NotificationsConfigV1 },
] as const;

/** A registry holding the built-in schemas; register a service's own on it. */
export function builtInConfigSchemas(): ConfigSchemas {
  return new ConfigSchemas(BUILT_IN_CONFIG_SCHEMAS);
}
