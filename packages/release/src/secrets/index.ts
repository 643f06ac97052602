export { type SecretsBaselineOwnership, secretsBaselineYaml } from './baseline-yaml.js';
export { KIT_SECRET_RULE_ID, kitSecretRule } from './kit-secret-rule.js';
export { DEFAULT_MAX_SCAN_BYTES } from './scan-limits.js';
export { type ScanSecretsOptions, scanSecrets } from './scan-secrets.js';
export { isSecretFinding, type SecretFinding, type SecretLocation } from './secret-findings.js';
