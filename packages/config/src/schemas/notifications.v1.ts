import { type Static, Type } from '@sinclair/typebox';
import { ConfigSection, SecretRef } from './config-fields.js';

/**
 * `notifications` v1: the sample config from the agent platform's hardening plan, whose Helm
 * chart must be able to turn the notifications janitor off (`NOTIFICATIONS_JANITOR_ENABLED=false`).
 * Every key has a default except the SMTP credentials, so a document (a file, an overlay, a
 * published update) gives only what it changes: `{ janitor: { enabled: false } }` is complete.
 */
export const NotificationsConfigV1 = ConfigSection(
  {
    janitor: Type.Optional(
      ConfigSection(
        {
          enabled: Type.Optional(
            Type.Boolean({
              default: true,
              'x-env': 'NOTIFICATIONS_JANITOR_ENABLED',
              description: 'Runs the background janitor that deletes expired notifications.',
            }),
          ),
          intervalSeconds: Type.Optional(
            Type.Integer({
              minimum: 10,
              maximum: 86_400,
              default: 300,
              'x-env': 'NOTIFICATIONS_JANITOR_INTERVAL_SECONDS',
              description: 'Seconds between two janitor passes.',
            }),
          ),
          retentionDays: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 3_650,
              default: 30,
              description: 'Notifications older than this are deleted by the janitor.',
            }),
          ),
        },
        { description: 'The janitor: a background task the service cancels on shutdown.' },
      ),
    ),
    delivery: Type.Optional(
      ConfigSection({
        workers: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 64,
            default: 4,
            'x-env': 'NOTIFICATIONS_WORKERS',
            'x-restart': true,
            description:
              'Delivery workers, started with the service: a change takes a drain and restart.',
          }),
        ),
        maxAttempts: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 20,
            default: 5,
            description: 'Attempts per notification before it is dead-lettered.',
          }),
        ),
      }),
    ),
    smtp: Type.Optional(
      ConfigSection({
        host: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 253,
            default: 'localhost',
            'x-env': 'NOTIFICATIONS_SMTP_HOST',
          }),
        ),
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, default: 587 })),
        username: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
        password: Type.Optional(
          SecretRef({
            'x-env': 'NOTIFICATIONS_SMTP_PASSWORD',
            description: `A secret reference, like \${secret:smtp#password}; never the password.`,
          }),
        ),
      }),
    ),
  },
  { description: "The notifications service's settings (the agent platform's sample config)." },
);

export type NotificationsConfigV1 = Static<typeof NotificationsConfigV1>;
