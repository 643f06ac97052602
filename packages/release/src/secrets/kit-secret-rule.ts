import { createPrivateKey } from 'node:crypto';
import { API_KEY_PREFIX } from '@bulwark/kit/api-keys';
import type { SecretLintRuleCreator, SecretLintSourceCode } from '@secretlint/types';

export const KIT_SECRET_RULE_ID = '@bulwark/secretlint-rule-kit';

const messages = {
  BulwarkApiKey: { en: (props?: { KEY: string }) => `found Bulwark API key: ${props?.KEY}` },
  BulwarkServiceToken: {
    en: (props?: { TOKEN: string }) => `found Bulwark service token: ${props?.TOKEN}`,
  },
  PemPrivateKey: { en: (props?: { KEY: string }) => `found PEM private key: ${props?.KEY}` },
};

// The kit's key text is `bwk_<16 hex id>_<43 base64url>` (packages/kit/src/auth/api-keys/
// api-key-text.ts). Only the prefix is exported, so the id and secret lengths are restated here;
// the tests plant a key made by the kit's own generateApiKey, so a change of format fails them.
const B64URL = 'A-Za-z0-9_-';
const API_KEY = new RegExp(
  `(?<![${B64URL}])${API_KEY_PREFIX}[0-9a-f]{16}_[${B64URL}]{43}(?![${B64URL}])`,
  'g',
);

// A service token is a compact JWS whose header the kit writes as
// `{"alg":"EdDSA","typ":"JWT","kid":"…"}` (service-token-issuer.ts). Its first 33 bytes encode
// to a fixed base64url prefix; the signature is 64 bytes, 86 base64url characters.
const SERVICE_TOKEN_PREFIX = Buffer.from('{"alg":"EdDSA","typ":"JWT","kid":').toString('base64url');
const SERVICE_TOKEN = new RegExp(
  `(?<![.${B64URL}])${SERVICE_TOKEN_PREFIX}[${B64URL}]*\\.[${B64URL}]{16,}\\.[${B64URL}]{86}(?![${B64URL}])`,
  'g',
);

// The preset's private-key rule skips PEM bodies under 100 characters and those not starting
// `MI`, so it misses Ed25519 (the keys file provider's format) and P-256 SEC1 keys. This finds
// every PEM private key block; node:crypto parsing it is what tells a key from a placeholder.
// Blocks the preset also reports are dropped by the engine, so a key is reported once.
const PEM_PRIVATE_KEY =
  /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----[A-Za-z0-9+/=\s\\:,-]{1,12000}?-----END \1PRIVATE KEY-----/g;

function isRealPrivateKey(block: string): boolean {
  // JSON and code strings carry the key with escaped newlines.
  const pem = block.includes('\\n') ? block.replace(/\\r/g, '').replace(/\\n/g, '\n') : block;
  if (pem.includes('ENCRYPTED')) {
    // Without the passphrase it cannot be parsed; a body of real base64 is taken for a key.
    const body = pem
      .split('\n')
      .filter((line) => !line.startsWith('-----') && !line.includes(':'))
      .join('')
      .replace(/\s/g, '');
    return body.length >= 64 && /^[A-Za-z0-9+/]+=*$/.test(body);
  }
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * A secretlint rule for the secrets Bulwark itself issues, so one engine runs both the
 * recommended preset and these: Bulwark API keys, service tokens, and PEM private keys the preset
 * misses. Each report's data holds the secret, as secretlint rules do, so the engine fingerprints
 * the same value whichever rule found it.
 */
export const kitSecretRule: SecretLintRuleCreator = {
  messages,
  meta: {
    id: KIT_SECRET_RULE_ID,
    recommended: true,
    type: 'scanner',
    supportedContentTypes: ['text'],
  },
  create(context) {
    const t = context.createTranslator(messages);
    return {
      file(source: SecretLintSourceCode) {
        const text = source.content;
        for (const match of text.matchAll(API_KEY)) {
          context.report({
            message: t('BulwarkApiKey', { KEY: match[0] }),
            range: [match.index, match.index + match[0].length],
          });
        }
        for (const match of text.matchAll(SERVICE_TOKEN)) {
          context.report({
            message: t('BulwarkServiceToken', { TOKEN: match[0] }),
            range: [match.index, match.index + match[0].length],
          });
        }
        if (!text.includes('PRIVATE KEY-----')) return;
        for (const match of text.matchAll(PEM_PRIVATE_KEY)) {
          if (!isRealPrivateKey(match[0])) continue;
          context.report({
            message: t('PemPrivateKey', { KEY: match[0] }),
            range: [match.index, match.index + match[0].length],
          });
        }
      },
    };
  },
};
