import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import type {
  SecretLintCoreConfig,
  SecretLintCoreResultMessage,
  SecretLintRuleCreator,
} from '@secretlint/types';
import { KIT_SECRET_RULE_ID, kitSecretRule } from './kit-secret-rule.js';

// @secretlint/profiler 11.x marks the start and end of every rule on every file, always, and
// its observer searches all earlier marks at each one: quadratic in the files scanned (this
// repository's 1,500-blob history took two minutes instead of two seconds), and never freed.
// Upstream made it opt-in in 13.x (secretlint/secretlint#1633, #1673), which needs Node 22; until
// then its marks are switched off. Nothing reads them: they are for `secretlint --profile`.
secretLintProfiler.mark = () => {};

const PRESET_PRIVATE_KEY_RULE = '@secretlint/secretlint-rule-privatekey';
const COMMENT_FILTER_RULE = '@secretlint/secretlint-rule-filter-comments';

/**
 * The recommended preset's rules and the kit's, given as modules rather than loaded from a config
 * file. The preset's comment filter is left out: a `secretlint-disable` comment would waive a
 * secret with no owner, reason or expiry, and the owned baseline is the only way to accept one.
 * (The rules are listed one by one because secretlint 11 ignores `disabled` on a rule inside a
 * preset.)
 */
const CONFIG: SecretLintCoreConfig = {
  rules: [
    ...recommendedRules
      .filter((rule) => rule.meta.id !== COMMENT_FILTER_RULE)
      .map((rule) => ({ id: rule.meta.id, rule: rule as SecretLintRuleCreator })),
    { id: KIT_SECRET_RULE_ID, rule: kitSecretRule },
  ],
};

/** One secret in one text: the value is for fingerprinting only and never leaves the scan. */
export interface DetectedSecret {
  /** The secretlint rule that found it, e.g. `@secretlint/secretlint-rule-aws`. */
  readonly rule: string;
  /** The rule's message id, e.g. `AWSSecretAccessKey`. */
  readonly kind: string;
  readonly value: string;
  /** 1-based. */
  readonly line: number;
}

// Report data keys that describe a secret rather than hold it.
const DESCRIPTIVE_DATA = new Set(['typeName', 'FILE_NAME']);

/**
 * The secret a message reports. Rules put the matched secret in the message data (the values
 * secretlint's own masking hides); the range is not always the secret (the AWS rule's starts at
 * the assignment), so it is the fallback for a rule that reports no data.
 */
function secretValue(message: SecretLintCoreResultMessage, content: string): string {
  const data = (message.data ?? {}) as Record<string, unknown>;
  const values = Object.entries(data)
    .filter(([key, value]) => typeof value === 'string' && !DESCRIPTIVE_DATA.has(key))
    .map(([, value]) => value as string);
  return values.length > 0 ? values.join('\0') : content.slice(message.range[0], message.range[1]);
}

const PEM_RULES = new Set([PRESET_PRIVATE_KEY_RULE, `${KIT_SECRET_RULE_ID}/PemPrivateKey`]);

/**
 * What identifies a secret. A PEM key is its base64 body: the same key with CRLF line ends, or
 * escaped inside a JSON string, is the same key, and one baseline entry covers it.
 */
function comparableValue(message: SecretLintCoreResultMessage, value: string): string {
  const key =
    message.ruleId === KIT_SECRET_RULE_ID
      ? `${message.ruleId}/${message.messageId}`
      : message.ruleId;
  if (!PEM_RULES.has(key)) return value;
  return value
    .replace(/-----(BEGIN|END) [A-Z0-9 ]*PRIVATE KEY-----/g, '')
    .replace(/\\[nr]|\s/g, '');
}

function overlaps(a: SecretLintCoreResultMessage, b: SecretLintCoreResultMessage): boolean {
  return a.range[0] < b.range[1] && b.range[0] < a.range[1];
}

/** Every secret the rules find in `content`; `path` lets path-aware rules (GCP files) judge. */
export async function detectSecrets(content: string, path: string): Promise<DetectedSecret[]> {
  const result = await lintSource({
    source: { content, filePath: path, contentType: 'text' },
    options: { config: CONFIG, noPhysicFilePath: true },
  });
  const messages = result.messages.filter((message) => message.type === 'message');
  const presetKeys = messages.filter((message) => message.ruleId === PRESET_PRIVATE_KEY_RULE);
  return (
    messages
      // The kit rule finds every PEM key; where the preset found the same block, keep the preset's.
      .filter(
        (message) =>
          !(
            message.ruleId === KIT_SECRET_RULE_ID &&
            message.messageId === 'PemPrivateKey' &&
            presetKeys.some((other) => overlaps(message, other))
          ),
      )
      .map((message) => ({
        rule: message.ruleId,
        kind: message.messageId,
        value: comparableValue(message, secretValue(message, content)),
        line: message.loc.start.line,
      }))
  );
}
