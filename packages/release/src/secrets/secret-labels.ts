// What a person reads for each message id of the recommended preset and the kit rule.
const LABELS: Record<string, string> = {
  AWSSecretAccessKey: 'AWS secret access key',
  AWSAccessKeyID: 'AWS access key id',
  AWSAccountID: 'AWS account id',
  PrivateKeyP12: 'GCP service account key (p12)',
  PrivateKeyJSON: 'GCP service account key',
  PackageJSON_xOauthToken: 'GitHub OAuth token in package.json',
  Npmrc_authToken: 'npm auth token in .npmrc',
  NPM_ACCESS_TOKEN: 'npm access token',
  SLACK_TOKEN: 'Slack token',
  IncomingWebhook: 'Slack incoming webhook',
  BasicAuth: 'basic auth credential',
  OPENAI_TOKEN: 'OpenAI API key',
  ANTHROPIC_API_KEY: 'Anthropic API key',
  LINEAR_API_TOKEN: 'Linear API key',
  PrivateKey: 'private key',
  PemPrivateKey: 'private key',
  SENDGRID_KEY: 'SendGrid API key',
  SHOPIFY_KEY: 'Shopify API key',
  GITHUB_TOKEN: 'GitHub token',
  OPS_TOKEN: '1Password service account token',
  MongoDBConnection: 'MongoDB connection string',
  MySQLConnection: 'MySQL connection string',
  PostgreSQLConnection: 'PostgreSQL connection string',
  BulwarkApiKey: 'Bulwark API key',
  BulwarkServiceToken: 'Bulwark service token',
};

/** `aws` for `@secretlint/secretlint-rule-aws`, `kit` for the kit's rule. */
export function ruleShortName(rule: string): string {
  return rule.replace(/^@[^/]+\//, '').replace(/^secretlint-rule-/, '');
}

export function secretLabel(rule: string, kind: string): string {
  return LABELS[kind] ?? `${ruleShortName(rule)} secret (${kind})`;
}
