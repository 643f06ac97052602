// biome-ignore lint/correctness/noUnusedImports: named so tsc can emit this module's declarations (TS4023)
import type { Hint, Kind, OptionalKind, ReadonlyKind } from '@sinclair/typebox';
import { type Static, Type } from '@sinclair/typebox';

/**
 * The HTTP face of an embedded registry's transport log: the paths and bodies the registry's
 * routes (config-feed-routes.ts) and HttpConfigTransport agree on.
 */
export const CONFIG_FEED_PATHS = {
  /** GET: what this is (HttpConfigTransport.connect checks it). */
  info: '/v1/config-transport',
  /** GET text/event-stream: the apply messages of one config. */
  applies: '/v1/config-transport/configs/:config/applies',
  /** POST: one Ack. */
  acks: '/v1/config-transport/acks',
  /** POST: one Presence. */
  presence: '/v1/config-transport/presence',
} as const;

/** What GET /v1/config-transport answers; a client refuses any other protocol. */
export const CONFIG_FEED_PROTOCOL = 'bulwark-config-feed/1';

/** The apply stream of one config. */
export function appliesPath(config: string): string {
  return CONFIG_FEED_PATHS.applies.replace(':config', config);
}

// The naming rules of transport/names.ts, as schema patterns: a bad name is a 400 naming it.
const ConfigNameField = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,63}$',
  description: 'A config name: a-z, 0-9, _ and -, starting with a letter.',
});
const InstanceField = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$',
  description: 'An instance id: A-Z, a-z, 0-9, _ and -.',
});
const VersionField = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Time = Type.String({ format: 'date-time', maxLength: 64 });

export const AckBody = Type.Object(
  {
    rolloutId: Type.String({ minLength: 1, maxLength: 200 }),
    config: ConfigNameField,
    instance: InstanceField,
    version: VersionField,
    result: Type.Union([
      Type.Literal('applied'),
      Type.Literal('restarting'),
      Type.Literal('refused'),
    ]),
    reason: Type.Optional(Type.String({ maxLength: 4_000 })),
    at: Time,
  },
  { additionalProperties: false, description: 'A consumer acknowledging an apply message.' },
);
export type AckBody = Static<typeof AckBody>;

export const PresenceBody = Type.Object(
  {
    config: ConfigNameField,
    instance: InstanceField,
    version: VersionField,
    healthUrl: Type.Optional(Type.String({ format: 'uri', maxLength: 2_000 })),
    at: Time,
  },
  {
    additionalProperties: false,
    description: 'A consumer announcing which version of a config it runs.',
  },
);
export type PresenceBody = Static<typeof PresenceBody>;

export const ConfigParams = Type.Object(
  { config: ConfigNameField },
  { additionalProperties: false },
);

/** A seq: digits only (Last-Event-ID is text). */
const SEQ_PATTERN = '^[0-9]{1,15}$';

export const AppliesQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        pattern: SEQ_PATTERN,
        description:
          'Deliver the messages after this seq (as Last-Event-ID); without it, the latest first.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AppliesHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: SEQ_PATTERN,
      description: 'The seq of the last event received: the stream resumes after it.',
    }),
  ),
});

export const FeedInfo = Type.Object({
  protocol: Type.Literal(CONFIG_FEED_PROTOCOL),
  lastSeq: Type.Integer({ description: 'The highest seq in the log.' }),
});
