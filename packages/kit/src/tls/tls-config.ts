import { Type } from '@sinclair/typebox';

/**
 * HTTPS: on when certFile and keyFile are set. The files are polled every reloadIntervalMs, so a
 * rotated certificate (cert-manager, a renewed Let's Encrypt pair) is served without a restart;
 * a new pair that does not load keeps the current one serving (certificate-reloader.ts).
 */
export const TlsConfigSchema = Type.Object(
  {
    certFile: Type.Optional(Type.String({ minLength: 1 })),
    keyFile: Type.Optional(Type.String({ minLength: 1 })),
    /** CA bundle for client certificates (mTLS). */
    caFile: Type.Optional(Type.String({ minLength: 1 })),
    /** none: no client certificate asked; optional: verified when sent; required: mTLS. */
    clientCertificates: Type.Union(
      [Type.Literal('none'), Type.Literal('optional'), Type.Literal('required')],
      { default: 'none' },
    ),
    minVersion: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3')], {
      default: 'TLSv1.2',
    }),
    /** How often the files are checked (stat: inode, size, mtime) for a new pair. */
    reloadIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5_000 }),
    /** A plain-HTTP listener on this port that answers 308 to the HTTPS address. */
    redirectPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535 })),
  },
  { default: {}, additionalProperties: false },
);

/** Security headers (@fastify/helmet): on by default; HSTS only when serving HTTPS. */
export const SecurityHeadersConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    hstsMaxAgeSec: Type.Integer({ minimum: 0, maximum: 63_072_000, default: 31_536_000 }),
  },
  { default: {}, additionalProperties: false },
);
