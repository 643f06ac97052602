import { type Command, Option } from 'commander';
import { runContractCheck } from '../contract/check.js';
import { runContractDiff } from '../contract/diff.js';
import { runSnapshot } from '../contract/snapshot.js';
import type { SetExitCode } from './index.js';

const FORMATS = ['console', 'json', 'junit', 'markdown'] as const;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * `bulwark contract`: API governance. `snapshot` writes each service's OpenAPI document, as its
 * code generates it, into the repository; `diff` classifies the changes between two documents;
 * `check` holds a branch's generated documents against the snapshots at its merge base.
 */
export function registerContract(program: Command, setExitCode: SetExitCode): void {
  const contract = program
    .command('contract')
    .description(
      'OpenAPI snapshots generated from the services, breaking-change diffs, and the CI check ' +
        'that blocks a breaking change unless the version is bumped',
    )
    .addHelpText(
      'after',
      '\nThe change classes, levels and the version-bump rule: docs/contracts.md.' +
        '\nSettings: bulwark.contract.yaml. Exit codes: 0 compatible, 1 breaking (or stale), 2 bad input.',
    );

  contract
    .command('diff')
    .description('classify every change between two OpenAPI 3.0/3.1 documents (JSON or YAML)')
    .argument('<old>', 'the published document')
    .argument('<new>', 'the candidate document')
    .addOption(
      new Option('--format <format>', 'report format on stdout')
        .choices(FORMATS)
        .default('console'),
    )
    .option('--config <file>', 'level overrides (default: ./bulwark.contract.yaml when present)')
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark contract diff openapi/core-api.json new.json' +
        '\n  bulwark contract diff old.yaml new.yaml --format markdown > comment.md\n',
    )
    .action((older: string, newer: string, flags) =>
      runContractDiff(older, newer, flags, setExitCode),
    );

  contract
    .command('snapshot')
    .description("write each service's generated OpenAPI document to <snapshots>/<service>.json")
    .option('--root <dir>', 'the repository root', '.')
    .option('--config <file>', 'settings (default: <root>/bulwark.contract.yaml)')
    .option('--service <name>', 'only this service (repeatable)', collect)
    .option('--out <dir>', 'write the documents here instead of the snapshot directory')
    .option('--check', 'write nothing; exit 1 when a snapshot is out of date', false)
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark contract snapshot\n  bulwark contract snapshot --check\n',
    )
    .action((flags) => runSnapshot(flags, setExitCode));

  contract
    .command('check')
    .description(
      "compare each service's generated document with its snapshot at the base commit " +
        '(default: the merge base with main); fail on a breaking change without a version bump',
    )
    .option('--root <dir>', 'the repository root', '.')
    .option('--config <file>', 'settings (default: <root>/bulwark.contract.yaml)')
    .option('--base <ref>', 'compare with the snapshots at this commit instead of the merge base')
    .option('--service <name>', 'only this service (repeatable)', collect)
    .addOption(
      new Option('--format <format>', 'report format on stdout')
        .choices(FORMATS)
        .default('console'),
    )
    .option('--artifacts <dir>', 'also write the generated documents and the reports here')
    .option(
      '--live',
      'read each document from the running stack (bulwark up) instead of generating it',
      false,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark contract check\n  bulwark contract check --base v0.1.0 --format markdown\n  bulwark contract check --live   # against the stack bulwark up is running\n',
    )
    .action((flags) => runContractCheck(flags, setExitCode));
}
