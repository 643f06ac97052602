import { type Command, Option } from 'commander';
import { runDiff } from '../config/diff.js';
import { runExplain } from '../config/explain.js';
import { runHistory } from '../config/history.js';
import { runPublish } from '../config/publish.js';
import { runRevert } from '../config/revert.js';
import { runStatus } from '../config/status.js';
import { runValidate } from '../config/validate.js';
import type { SetExitCode } from './index.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const formatOption = () =>
  new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');

/** --registry, --api-key-file and --format: every subcommand that talks to the registry. */
const registryOptions = (command: Command) =>
  command
    .option(
      '--registry <url>',
      'the config registry (default: $BULWARK_CONFIG_REGISTRY_URL, else http://127.0.0.1:8085)',
    )
    .option(
      '--api-key-file <file>',
      'a file holding an API key for a registry that requires one (sent as x-api-key)',
    )
    .addOption(formatOption());

/** How a rollout goes: publish --rollout and revert. */
const rolloutOptions = (command: Command, what: string) =>
  command
    .option(
      '--stages <plan>',
      `${what}instances reached by each stage, like 1,50%,100% (default: the registry's: one, half, all)`,
    )
    .option(
      '--bake <duration>',
      `${what}how long a stage's instances stay healthy before the next stage, like 30s`,
    )
    .option(
      '--ack-timeout <duration>',
      `${what}how long a stage's instances have to acknowledge, like 30s`,
    );

const help = (examples: readonly string[], exitCodes: string) =>
  `\nExamples:\n${examples.map((line) => `  ${line}`).join('\n')}\n\nExit codes: ${exitCodes}`;

const HELP = `
Layers, lowest precedence first: the schema's defaults, then config files (a base, then each
environment's overlay), then environment variables (the schema's x-env keys), then the registry's
published version. Secrets are written as \${secret:name} references, never as values: a literal
secret is refused wherever it is. docs/cli-config.md has the whole story.

Exit codes, for every subcommand: 0 done; 1 a rollout waited on (--wait) was reverted, its cause
printed; 2 bad input (a document failing its schema, naming the path; an unknown schema version;
a literal secret; a bad flag), a registry refusal, or a registry that cannot be reached.`;

/** `bulwark config`: layered config explained and validated here, published and rolled out by the registry. */
export function registerConfig(program: Command, setExitCode: SetExitCode): void {
  const config = program
    .command('config')
    .description(
      'explain and validate layered config here; publish, roll out, diff and revert it ' +
        'through the config registry',
    )
    .addHelpText('after', HELP);

  config
    .command('explain')
    .description(
      "resolve the config's layers as a service started here would, and say where each value came from",
    )
    .argument('[key]', 'janitor.enabled or /janitor/enabled (default: every key)')
    .requiredOption(
      '--schema <name[@version]>',
      'the config schema: notifications or notifications@1',
    )
    .option(
      '--file <file>',
      'a config file, YAML or JSON; repeat for overlays, later ones win',
      collect,
    )
    .option('--env-file <file>', "dotenv variables under this shell's (repeatable)", collect)
    .option('--no-env', "leave out this shell's environment variables")
    .option(
      '--remote [url]',
      "add the registry's latest version as the top layer (default URL as for --registry)",
    )
    .option('--api-key-file <file>', 'with --remote: a file holding an API key for the registry')
    .addOption(formatOption())
    .addHelpText(
      'after',
      help(
        [
          'bulwark config explain janitor.enabled --schema notifications --file config/base.yaml --file config/production.yaml',
          'NOTIFICATIONS_JANITOR_ENABLED=false bulwark config explain --schema notifications@1',
          'bulwark config explain --schema notifications --remote http://127.0.0.1:8085 --format json',
        ],
        '0 explained, 2 bad input (a layer failing the schema or holding a literal secret, a key no layer sets, an unknown schema) or the registry unreachable.',
      ),
    )
    .action((key: string | undefined, flags) => runExplain(key, flags, setExitCode));

  config
    .command('validate')
    .description(
      'check a config document against its schema, as the registry will; no service needed',
    )
    .argument('<file>', 'the document, YAML or JSON')
    .requiredOption(
      '--schema <name[@version]>',
      'the config schema: notifications or notifications@1',
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      help(
        [
          'bulwark config validate config/production.yaml --schema notifications',
          'bulwark config validate update.json --schema notifications@1 --format json',
        ],
        '0 valid; 2 invalid (one line naming the JSON pointer at fault), a literal secret, an unknown schema version, or an unreadable file.',
      ),
    )
    .action((file: string, flags) => runValidate(file, flags, setExitCode));

  const publish = config
    .command('publish')
    .description(
      'validate a document here, store it as the config’s next version, and optionally roll it out',
    )
    .argument('<file>', 'the document, YAML or JSON: only what it sets, the schema fills the rest')
    .requiredOption('--config <name>', 'the config to publish a version of: notifications')
    .option(
      '--schema-version <n>',
      "the schema version to validate against (default: the config's latest)",
    )
    .option('--message <text>', 'why: kept in the history and the ledger')
    .option(
      '--rollout',
      'start a staged rollout of the new version to the running instances',
      false,
    );
  rolloutOptions(publish, 'with --rollout: ').option(
    '--wait',
    'with --rollout: follow it until promoted (exit 0) or reverted (exit 1)',
    false,
  );
  registryOptions(publish)
    .addHelpText(
      'after',
      help(
        [
          'bulwark config publish janitor-off.yaml --config notifications --message "turn the janitor off"',
          'bulwark config publish janitor-off.yaml --config notifications --rollout --stages 1,50%,100% --bake 30s --wait',
        ],
        '0 published (and with --wait, promoted through every stage); 1 with --wait, the rollout was reverted (its cause printed); 2 bad input (refused here before any request), a registry refusal, or the registry unreachable.',
      ),
    )
    .action((file: string, flags) => runPublish(file, flags, setExitCode));

  registryOptions(
    config
      .command('status')
      .description(
        'the rollouts and the version each instance runs; a loud line when instances run mixed versions',
      )
      .option('--config <name>', 'one config (default: every config the registry knows)')
      .option('--rollout <id>', 'one rollout, with each instance’s acknowledgement'),
  )
    .addHelpText(
      'after',
      help(
        [
          'bulwark config status',
          'bulwark config status --config notifications',
          'bulwark config status --rollout 0190f3d2-… --format json',
        ],
        '0 shown, 2 bad input, an unknown config or rollout, or the registry unreachable. Mixed versions are shown, not an exit code: a rollout in progress runs them.',
      ),
    )
    .action((flags) => runStatus(flags, setExitCode));

  registryOptions(
    config
      .command('history')
      .description("a config's published versions, newest first")
      .requiredOption('--config <name>', 'the config: notifications')
      .option('--limit <n>', 'at most this many versions', '20'),
  )
    .addHelpText(
      'after',
      help(
        [
          'bulwark config history --config notifications',
          'bulwark config history --config notifications --limit 5 --format json',
        ],
        '0 shown, 2 bad input, an unknown config, or the registry unreachable.',
      ),
    )
    .action((flags) => runHistory(flags, setExitCode));

  registryOptions(
    config
      .command('diff')
      .description('what changed between two versions of a config, key by key')
      .argument('<from>', 'the earlier version number')
      .argument('<to>', 'the later version number')
      .requiredOption('--config <name>', 'the config: notifications'),
  )
    .addHelpText(
      'after',
      help(
        ['bulwark config diff --config notifications 3 4'],
        '0 shown (whether or not anything changed), 2 bad input, an unknown config or version, or the registry unreachable.',
      ),
    )
    .action((from: string, to: string, flags) => runDiff(from, to, flags, setExitCode));

  const revert = config
    .command('revert')
    .description('roll the instances back to an earlier version, through the same staged rollout')
    .requiredOption('--config <name>', 'the config: notifications')
    .requiredOption('--to <n>', 'the version to go back to')
    .option('--reason <text>', 'why: kept with the rollout and in the ledger');
  rolloutOptions(revert, '').option(
    '--wait',
    'follow it until every instance runs that version (exit 0) or it fails (exit 1)',
    false,
  );
  registryOptions(revert)
    .addHelpText(
      'after',
      help(
        ['bulwark config revert --config notifications --to 3 --wait'],
        '0 started (with --wait, completed); 1 with --wait, it failed (its cause printed); 2 bad input, a registry refusal (a version that is not earlier, a rollout already running), or the registry unreachable.',
      ),
    )
    .action((flags) => runRevert(flags, setExitCode));
}
