import type { KeyExplanation, RemoteOverride } from '@bulwark/config';
import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { renderTable } from '../output/table.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { withConfigErrors } from './config-errors.js';
import { configEnvironment, type EnvironmentFlags } from './environment.js';
import { RegistryClient, registryUrl } from './registry-client.js';
import { parseSchemaOption, schemaEntry } from './schema-option.js';

export interface ExplainFlags extends EnvironmentFlags {
  schema: string;
  file?: string[];
  remote?: string | true;
  apiKeyFile?: string;
  format: 'text' | 'json';
}

/** What `explain --format json` prints. */
export interface ExplainReport {
  readonly schema: string;
  /** Every layer, lowest precedence first, as `layer origin`. */
  readonly layers: readonly string[];
  readonly keys: readonly KeyExplanation[];
}

/**
 * `bulwark config explain [KEY]`: resolves the config as a service started here would (schema
 * defaults, then each --file, then environment variables, then with --remote the registry's
 * latest version) and says, for one key or every key, the value, the layer that set it, and what
 * it overrode. Exit 0; bad input (a key no layer sets, a failing layer) is one line, exit 2.
 */
export async function runExplain(
  key: string | undefined,
  flags: ExplainFlags,
  setExitCode: SetExitCode,
): Promise<void> {
  const entry = await schemaEntry(parseSchemaOption(flags.schema));
  const env = configEnvironment(flags);
  const remote = flags.remote === undefined ? undefined : await remoteLayer(entry.name, flags);
  const config = await import('@bulwark/config');
  const resolved = await withConfigErrors(() =>
    config.resolveConfig({
      entry,
      files: flags.file ?? [],
      env,
      ...(remote === undefined ? {} : { remote }),
    }),
  );
  const keys = await withConfigErrors(() =>
    key === undefined ? config.explainAll(resolved) : [config.explainKey(resolved, key)],
  );
  const report: ExplainReport = {
    schema: entry.label,
    layers: resolved.layers.map((layer) => `${layer.layer} ${layer.origin}`),
    keys,
  };
  const terminal = createTerminal();
  if (flags.format === 'json') terminal.out(JSON.stringify(report, null, 2));
  else terminal.out(key === undefined ? renderAll(report) : renderOne(terminal, keys[0]!));
  setExitCode(EXIT.ok);
}

/** The registry's latest version of `config`, or nothing when it has none yet. */
async function remoteLayer(
  config: string,
  flags: ExplainFlags,
): Promise<RemoteOverride | undefined> {
  const client = new RegistryClient(registryUrl(flags.remote === true ? undefined : flags.remote), {
    apiKeyFile: flags.apiKeyFile,
  });
  const latest = await client.latestVersion(config);
  return latest === undefined
    ? undefined
    : {
        config: latest.config,
        version: latest.version,
        schemaVersion: latest.schemaVersion,
        document: latest.document,
      };
}

const where = (layer: string, origin: string) =>
  layer === 'default' ? 'default' : `${layer} ${origin}`;

function renderOne(terminal: Terminal, explanation: KeyExplanation): string {
  const { color } = terminal;
  const lines = [
    `${color.bold(explanation.key)} = ${JSON.stringify(explanation.value)}`,
    `  from       ${where(explanation.layer, explanation.origin)}`,
  ];
  for (const [index, lower] of explanation.overridden.entries()) {
    lines.push(
      `  ${index === 0 ? 'overrides ' : '          '} ${where(lower.layer, lower.origin)}: ${JSON.stringify(lower.value)}`,
    );
  }
  return lines.join('\n');
}

function renderAll(report: ExplainReport): string {
  const rows = report.keys.map((explanation) => [
    explanation.key,
    JSON.stringify(explanation.value),
    where(explanation.layer, explanation.origin),
    explanation.overridden
      .map((lower) => `${where(lower.layer, lower.origin)}: ${JSON.stringify(lower.value)}`)
      .join(', '),
  ]);
  return [
    `${report.schema}: ${report.layers.map((layer) => (layer.startsWith('default ') ? 'defaults' : layer)).join(' → ')}`,
    '',
    renderTable(['KEY', 'VALUE', 'FROM', 'OVERRIDES'], rows),
  ].join('\n');
}
