import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type AuditReport,
  audit,
  BaselineError,
  gateFails,
  isIsoDate,
  KustomizeError,
  MAX_INPUT_BYTES,
  type Palette,
  PLAIN,
  PROFILES,
  type Profile,
  readBaseline,
  renderConsole,
  renderJson,
  renderJunit,
  renderSarif,
  SEVERITIES,
  type Severity,
  UnreadableInputError,
  WaiversFileError,
} from '@bulwark/verify';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import type { SetExitCode } from './index.js';

const REPORT_FORMATS = ['table', 'json', 'sarif', 'junit'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

interface AuditFlags {
  profile: Profile;
  format: ReportFormat;
  output: Array<{ format: ReportFormat; file: string }>;
  failOn: Severity;
  baseline?: string;
  waivers?: string;
  expiryWarningDays?: number;
  annotationWaivers: boolean;
  composeProfile?: string[];
  kustomize: boolean;
  asOf?: string;
  allowEmpty: boolean;
}

function parseOutput(value: string, previous: AuditFlags['output'] = []): AuditFlags['output'] {
  const match = /^(\w+)=(.+)$/.exec(value);
  const format = match?.[1] as ReportFormat | undefined;
  if (!match || !format || !(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidArgumentError(
      `expected FORMAT=FILE with FORMAT one of ${REPORT_FORMATS.join(', ')}`,
    );
  }
  return [...previous, { format, file: match[2] as string }];
}

function parseDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0 || days > 3650)
    throw new InvalidArgumentError('expected whole days, 0-3650');
  return days;
}

function parseDate(value: string): string {
  if (!isIsoDate(value)) {
    throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  }
  return value;
}

/**
 * Stdin's bytes, up to one past the audit's input limit (the audit reports the overflow as a
 * finding); reading stops there, so an endless producer cannot fill memory.
 */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).byteLength;
    if (total > MAX_INPUT_BYTES) {
      process.stdin.destroy();
      break;
    }
  }
  return Buffer.concat(chunks, total);
}

/** Why an audit that judged nothing is refused; one line. */
function nothingToAudit(paths: readonly string[], stdin: Buffer | undefined): string {
  const hint = 'pass --allow-empty if that is expected';
  if (paths.length === 1 && stdin !== undefined && stdin.toString('utf8').trim() === '') {
    return `nothing to audit: stdin is empty (did the command before the pipe fail?); ${hint}`;
  }
  const named = paths.map((path) => (path === '-' ? 'stdin' : path)).join(', ');
  return `nothing to audit in ${named}: no Dockerfile, compose file or Kubernetes manifest; ${hint}`;
}

function render(
  report: AuditReport,
  format: ReportFormat,
  failOn: Severity,
  failed: boolean,
  palette: Palette,
): string {
  switch (format) {
    case 'json':
      return renderJson(report, failed);
    case 'sarif':
      return renderSarif(report);
    case 'junit':
      return renderJunit(report, failOn);
    default:
      return renderConsole(report, palette, failed);
  }
}

export function registerAudit(program: Command, setExitCode: SetExitCode): void {
  program
    .command('audit')
    .description(
      'least-privilege and operability audit of Dockerfiles, compose files and Kubernetes manifests ' +
        '(directories are walked; Kustomize directories are rendered with kubectl; - reads stdin, e.g. helm template output)',
    )
    .argument('[paths...]', 'files or directories to audit, or - for stdin', ['.'])
    .addOption(
      new Option('--profile <profile>', 'which controls run').choices(PROFILES).default('all'),
    )
    .addOption(
      new Option('--format <format>', 'report format on stdout')
        .choices(REPORT_FORMATS)
        .default('table'),
    )
    .option(
      '--output <format=file>',
      'also write a report to a file (repeatable), e.g. sarif=audit.sarif',
      parseOutput,
      [],
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'lowest severity of an unwaived finding that fails the gate',
      )
        .choices(SEVERITIES)
        .default('low'),
    )
    .option(
      '--baseline <file>',
      'a previous JSON or SARIF report: only findings not in it are reported',
    )
    .option('--waivers <file>', 'waivers file (default .bulwark/waivers.yaml)')
    .option(
      '--expiry-warning-days <days>',
      'warn about waivers expiring within this many days',
      parseDays,
    )
    .option(
      '--no-annotation-waivers',
      'ignore bulwark.dev/waive annotations and report them (forbid self-exemption)',
    )
    .option(
      '--compose-profile <name>',
      'audit only compose services in this profile (repeatable; default: every service)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--no-kustomize',
      'do not render Kustomize directories with kubectl; audit their resources with only namespace, name and image transformers',
    )
    .option(
      '--as-of <date>',
      'judge waiver expiry as of this date (YYYY-MM-DD) instead of today',
      parseDate,
    )
    .option(
      '--allow-empty',
      'pass when there is nothing to audit (by default an empty stdin or a directory without deploy files exits 2)',
      false,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark audit deploy/\n  helm template ./chart | bulwark audit -\n  bulwark audit . --output sarif=audit.sarif --output junit=audit.xml --fail-on high\n' +
        '\nExit codes: 0 no unwaived finding at or above --fail-on, 1 findings, 2 bad usage, unreadable input or nothing to audit.',
    )
    .action(async (paths: string[], flags: AuditFlags) => {
      let report: AuditReport;
      const stdin = paths.includes('-') ? await readStdin() : undefined;
      try {
        const baseline = flags.baseline ? readBaseline(resolve(flags.baseline)) : undefined;
        report = audit({
          paths,
          stdin,
          profile: flags.profile,
          today: flags.asOf,
          waiversFile: flags.waivers,
          policy: {
            ...(flags.annotationWaivers ? {} : { allowAnnotationWaivers: false }),
            ...(flags.expiryWarningDays === undefined
              ? {}
              : { expiryWarningDays: flags.expiryWarningDays }),
          },
          composeProfiles: flags.composeProfile,
          kubectl: flags.kustomize ? undefined : false,
          baseline,
        });
      } catch (error) {
        if (
          error instanceof UnreadableInputError ||
          error instanceof BaselineError ||
          error instanceof WaiversFileError ||
          error instanceof KustomizeError
        ) {
          throw new UsageError(error.message);
        }
        throw error;
      }
      if (report.nothingAudited && !flags.allowEmpty) {
        throw new UsageError(nothingToAudit(paths, stdin));
      }
      const failed = gateFails(report, flags.failOn);
      for (const output of flags.output) {
        try {
          writeFileSync(output.file, render(report, output.format, flags.failOn, failed, PLAIN));
        } catch (error) {
          throw new UsageError(
            `cannot write ${output.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
      const palette = createTerminal().color;
      process.stdout.write(render(report, flags.format, flags.failOn, failed, palette));
      setExitCode(failed ? EXIT.checksFailed : EXIT.ok);
    });
}
