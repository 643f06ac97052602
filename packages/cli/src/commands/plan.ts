import { access, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  AttestationError,
  BundleError,
  defaultRegistry,
  type EvidenceBundle,
  findBundles,
  ImportError,
  type ImportResult,
  importMarkdownPlan,
  type LoadedPlan,
  loadPlan,
  PlanError,
  parsePlan,
  planStatus,
  readBundle,
  readMarkdownPlan,
  STATUS_COLUMNS,
  type StatusRow,
  serializePlan,
  statusCells,
  summarizeStatus,
  verifyBundle,
  writeAttestation,
  writeBack,
} from '@bulwark/verify';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { renderTable } from '../output/table.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import {
  DEFAULT_ATTESTATIONS_DIR,
  DEFAULT_EVIDENCE_DIR,
  DEFAULT_PLAN_FILE,
} from '../plan-paths.js';
import { resolveKeyring } from '../trust/keyring.js';
import { openSigningKey } from '../trust/signing-key.js';
import type { SetExitCode } from './index.js';

const DEFAULT_ATTESTATION_KEY = 'attestation';
const DEFAULT_VALIDITY = '90d';

type Format = 'table' | 'json';

interface ImportFlags {
  output?: string;
  name?: string;
  force: boolean;
  format: Format;
}

interface StatusFlags {
  evidenceDir: string;
  bundle?: string;
  env?: string;
  write: boolean;
  keyring?: string;
  format: Format;
}

interface AttestFlags {
  plan: string;
  key: string;
  statement?: string;
  validFor?: string;
  attestations: string;
  format: Format;
}

/**
 * `bulwark plan`: turn a markdown hardening plan into a plan file (`import`), show it as a
 * tracker against the newest evidence and tick the markdown from it (`status`), and sign a
 * statement for a criterion no check can judge (`attest`).
 */
export function registerPlan(program: Command, setExitCode: SetExitCode): void {
  const plan = program
    .command('plan')
    .description('import a markdown hardening plan, track it against evidence, attest criteria')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 bad usage or unreadable input (one line on stderr).',
    );

  plan
    .command('import')
    .description(
      'turn a markdown plan (checkboxes, acceptance / success criteria, action items, criteria tables) ' +
        'into a bulwark plan: criteria bound to checks where the text says what to measure, manual otherwise',
    )
    .argument('<markdown>', 'the markdown plan')
    .option('-o, --output <file>', 'write the plan here (default: stdout)')
    .option('--name <name>', "the plan's name (default: the markdown's title)")
    .option('--force', 'overwrite --output when it exists', false)
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark plan import HARDENING.md -o bulwark.plan.yaml\n' +
        '  bulwark plan import HARDENING.md --format json | jq .manual\n' +
        '\nExit codes: 0 imported, 2 bad usage, an unreadable, empty or binary file, or an existing --output without --force.',
    )
    .action(async (markdown: string, flags: ImportFlags) => {
      await importCommand(markdown, flags);
      setExitCode(EXIT.ok);
    });

  plan
    .command('status')
    .description(
      "the plan as a tracker: each criterion's status, owner, verdict and last evidence with its age; " +
        '--write ticks the markdown plan from that evidence',
    )
    .argument('<plan>', 'the plan file (bulwark.plan.yaml)')
    .option(
      '--evidence-dir <dir>',
      `where bundles are kept; the newest for this plan is shown (default ${DEFAULT_EVIDENCE_DIR})`,
      DEFAULT_EVIDENCE_DIR,
    )
    .option('--bundle <dir>', 'show this bundle instead of the newest one')
    .option('--env <name>', "only this environment's bundles (default: any of the plan's)")
    .option(
      '--write',
      "update the markdown plan (the plan's `source`): checkboxes and evidence lines, nothing else",
      false,
    )
    .option(
      '--keyring <file>',
      "keys trusted to have signed the bundle, for --write (default: the key provider's public keys)",
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark plan status bulwark.plan.yaml\n  bulwark plan status bulwark.plan.yaml --write\n' +
        '\n--write uses only a bundle whose signature and artifacts verify.' +
        '\nExit codes: 0 shown (and written), 2 bad usage, an invalid plan, a corrupt or unverified bundle.',
    )
    .action(async (planFile: string, flags: StatusFlags) => {
      await statusCommand(planFile, flags);
      setExitCode(EXIT.ok);
    });

  plan
    .command('attest')
    .description(
      'sign a statement that a manual criterion is met; `bulwark verify` counts it until it expires',
    )
    .argument('<criterion>', 'the criterion id')
    .option('--plan <file>', 'the plan file', DEFAULT_PLAN_FILE)
    .option(
      '--key <name>',
      'signing key (created outside production when missing)',
      DEFAULT_ATTESTATION_KEY,
    )
    .option('--statement <text>', 'what you attest (default: the criterion text)')
    .option(
      '--valid-for <duration>',
      `how long it counts, e.g. 30d, 12h (default: the criterion's attestationMaxAge, else ${DEFAULT_VALIDITY})`,
    )
    .option('--attestations <dir>', 'where attestations are kept', DEFAULT_ATTESTATIONS_DIR)
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark plan attest security.restore-drill --plan bulwark.plan.yaml --statement "restored 2026-03-01 in 41 min"\n' +
        '\nExit codes: 0 attested, 2 bad usage, an unknown or checked criterion, a key error.',
    )
    .action(async (criterion: string, flags: AttestFlags) => {
      await attestCommand(criterion, flags);
      setExitCode(EXIT.ok);
    });
}

async function importCommand(markdownPath: string, flags: ImportFlags): Promise<void> {
  const terminal = createTerminal();
  const registry = defaultRegistry();
  const markdown = await oneLine(() => readMarkdownPlan(markdownPath));
  const output = flags.output;
  if (output && !flags.force && (await exists(output))) {
    throw new UsageError(`${output} exists; pass --force to overwrite it`);
  }
  // The plan names its markdown relative to itself, so plan and markdown can move together.
  const sourcePath = toPosix(
    relative(output ? dirname(resolve(output)) : process.cwd(), resolve(markdownPath)),
  );
  const result = await oneLine(async () =>
    importMarkdownPlan(
      markdown,
      { sourcePath, ...(flags.name ? { name: flags.name } : {}) },
      registry,
    ),
  );
  const yaml = serializePlan(result.plan, { planFile: output ?? 'PLAN.yaml' });
  try {
    parsePlan(yaml, output ?? 'imported plan', registry);
  } catch (error) {
    // The importer only writes what the schema allows; this is a bug, said in one line.
    if (error instanceof PlanError)
      throw new UsageError(`the imported plan does not validate: ${error.message}`);
    throw error;
  }
  if (output) {
    try {
      await writeFile(output, yaml, { flag: flags.force ? 'w' : 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        code === 'EEXIST'
          ? `${output} exists; pass --force to overwrite it`
          : `cannot write ${output}: ${code ?? (error as Error).message}`,
      );
    }
  }
  if (flags.format === 'json') {
    terminal.out(
      JSON.stringify(
        {
          source: markdownPath,
          output: output ?? null,
          name: result.plan.name,
          criteria: result.plan.criteria.length,
          byStatus: countBy(result.plan.criteria.map((c) => c.status)),
          bound: result.bound,
          manual: result.manual,
          ...(output ? {} : { yaml }),
        },
        null,
        2,
      ),
    );
    return;
  }
  // With no --output the YAML is stdout, so the account of what was bound goes to stderr.
  const report = output ? terminal.out : terminal.err;
  if (!output) process.stdout.write(yaml);
  for (const line of importReport(result, markdownPath, output, terminal)) report(line);
}

function importReport(
  result: ImportResult,
  markdownPath: string,
  output: string | undefined,
  terminal: Terminal,
): string[] {
  const { color } = terminal;
  const statuses = Object.entries(countBy(result.plan.criteria.map((c) => c.status)))
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  const byId = new Map(result.plan.criteria.map((c) => [c.id, c]));
  const lines = [
    `${color.bold(`imported ${result.plan.criteria.length} criteria`)} from ${markdownPath} (${statuses})${output ? ` into ${output}` : ''}`,
    '',
    color.green(`bound to checks (${new Set(result.bound.map((b) => b.criterion)).size}):`),
  ];
  if (result.bound.length === 0)
    lines.push('  (none: no criterion names something a check measures)');
  else {
    lines.push(
      indent(
        renderTable(
          ['CRITERION', 'CHECK', 'WITH', 'BECAUSE'],
          result.bound.map((b) => [b.criterion, b.check, JSON.stringify(b.with), b.because]),
        ),
      ),
    );
  }
  lines.push(
    '',
    color.yellow(
      `manual (${result.manual.length}): met only by a signed attestation (bulwark plan attest <criterion>)`,
    ),
  );
  if (result.manual.length > 0) {
    lines.push(
      indent(
        renderTable(
          ['CRITERION', 'STATUS', 'WHY MANUAL'],
          result.manual.map((m) => [m.criterion, byId.get(m.criterion)?.status ?? '-', m.reason]),
        ),
      ),
    );
  }
  lines.push(
    '',
    `next: list the services under environments.local.services, then bulwark verify --plan ${output ?? 'PLAN.yaml'} --env local`,
  );
  return lines;
}

async function statusCommand(planFile: string, flags: StatusFlags): Promise<void> {
  const terminal = createTerminal();
  const loaded = await oneLine(() => loadPlan(planFile, defaultRegistry()));
  const environments = Object.keys(loaded.plan.environments);
  if (flags.env !== undefined && !environments.includes(flags.env)) {
    throw new UsageError(
      `unknown environment ${JSON.stringify(flags.env)}; ${planFile} has ${environments.join(', ') || 'none'}`,
    );
  }
  const found = flags.bundle
    ? await oneLine(() => readBundle(flags.bundle as string))
    : await newestBundle(
        loaded,
        flags.env ? [flags.env] : environments,
        flags.evidenceDir,
        terminal,
      );
  if (found && found.bundle.plan.name !== loaded.plan.name) {
    throw new UsageError(
      `${found.dir} is evidence for plan ${JSON.stringify(found.bundle.plan.name)}, not ${JSON.stringify(loaded.plan.name)}`,
    );
  }
  const now = new Date();
  const rows = planStatus(loaded.plan, found?.bundle, now);
  const written = flags.write ? await writeBackCommand(loaded, found, flags) : undefined;
  if (flags.format === 'json') {
    terminal.out(
      JSON.stringify(
        {
          plan: loaded.plan.name,
          bundle: found
            ? {
                dir: found.dir,
                id: found.bundle.id,
                environment: found.bundle.environment,
                finishedAt: found.bundle.finishedAt,
              }
            : null,
          summary: summarizeStatus(rows),
          criteria: rows,
          ...(written ? { written } : {}),
        },
        null,
        2,
      ),
    );
    return;
  }
  terminal.out(
    found
      ? `${loaded.plan.name}: evidence ${found.bundle.id} (${found.bundle.environment}, finished ${found.bundle.finishedAt})`
      : `${loaded.plan.name}: no evidence yet (run bulwark verify --plan ${planFile})`,
  );
  terminal.out(
    renderTable(
      STATUS_COLUMNS,
      rows.map((row) => colored(statusCells(row), row, terminal)),
    ),
  );
  const summary = summarizeStatus(rows);
  terminal.out(
    `${summary.criteria} criteria; plan: ${describeCounts(summary.byPlanStatus)}; evidence: ${describeCounts(summary.byVerdict)}`,
  );
  if (written) {
    terminal.out(
      `wrote ${written.file}: ${written.changes.length} item(s) updated${written.skipped.length > 0 ? `, ${written.skipped.length} skipped` : ''}`,
    );
    for (const skip of written.skipped) terminal.err(`skipped ${skip.criterion}: ${skip.reason}`);
  }
}

function colored(cells: string[], row: StatusRow, terminal: Terminal): string[] {
  const { color } = terminal;
  const paint =
    row.verdict === 'pass' || row.verdict === 'waived'
      ? color.green
      : row.verdict === 'fail' || row.verdict === 'error'
        ? color.red
        : row.verdict === undefined
          ? color.dim
          : color.yellow;
  return cells.map((cell, i) => (i === 2 ? paint(cell) : cell));
}

/** The newest readable bundle of this plan across the environments; corrupt ones are named and passed over. */
async function newestBundle(
  loaded: LoadedPlan,
  environments: readonly string[],
  root: string,
  terminal: Terminal,
): Promise<{ dir: string; bundle: EvidenceBundle } | undefined> {
  let newest: { dir: string; bundle: EvidenceBundle } | undefined;
  for (const environment of environments) {
    const dirs = await oneLine(() => findBundles(root, environment));
    for (const dir of dirs) {
      let bundle: EvidenceBundle;
      try {
        bundle = (await readBundle(dir)).bundle;
      } catch (error) {
        if (!(error instanceof BundleError)) throw error;
        terminal.err(`bulwark: passing over ${error.message}`);
        continue;
      }
      if (bundle.plan.name !== loaded.plan.name) continue;
      if (!newest || bundle.finishedAt > newest.bundle.finishedAt) newest = { dir, bundle };
      break;
    }
  }
  return newest;
}

async function writeBackCommand(
  loaded: LoadedPlan,
  found: { dir: string; bundle: EvidenceBundle } | undefined,
  flags: StatusFlags,
) {
  const source = loaded.plan.source;
  if (!source)
    throw new UsageError(`${loaded.path} names no markdown plan (source); nothing to write`);
  if (!found) throw new UsageError('no evidence to write back: run bulwark verify first');
  const { keyring } = await resolveKeyring(flags.keyring ? { keyring: flags.keyring } : {});
  const verification = await oneLine(() => verifyBundle(found.dir, { keyring }));
  if (!verification.ok) {
    throw new UsageError(
      `${found.dir} does not verify (${verification.problems[0] ?? 'unknown problem'}); nothing written`,
    );
  }
  const file = resolve(loaded.dir, source);
  const markdown = await oneLine(() => readMarkdownPlan(file));
  const result = writeBack(markdown, loaded.plan, found.bundle);
  if (result.text !== markdown) {
    try {
      await writeFile(file, result.text);
    } catch (error) {
      throw new UsageError(
        `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  return {
    file: relative(process.cwd(), file) || file,
    changes: result.changes,
    skipped: result.skipped,
  };
}

async function attestCommand(criterionId: string, flags: AttestFlags): Promise<void> {
  const terminal = createTerminal();
  const loaded = await oneLine(() => loadPlan(flags.plan, defaultRegistry()));
  const criterion = loaded.plan.criteria.find((c) => c.id === criterionId);
  if (!criterion) {
    const near = loaded.plan.criteria
      .map((c) => c.id)
      .filter((id) => id.includes(criterionId) || criterionId.includes(id.split('.').at(-1) ?? id))
      .slice(0, 3);
    throw new UsageError(
      `${flags.plan} has no criterion ${JSON.stringify(criterionId)}${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`,
    );
  }
  if ((criterion.checks?.length ?? 0) > 0) {
    const checks = (criterion.checks ?? []).map((c) => c.check).join(', ');
    throw new UsageError(
      `${criterionId} is checked by ${checks}; an attestation counts only for a manual criterion (one with no checks)`,
    );
  }
  // The record of each signature stays beside what was signed.
  const key = await openSigningKey(flags.key, join(flags.attestations, 'signatures.jsonl'));
  try {
    const { path, attestation } = await oneLine(() =>
      writeAttestation({
        signer: key.signer,
        plan: loaded.plan,
        criterionId,
        statement: flags.statement ?? criterion.text,
        validFor: flags.validFor ?? criterion.attestationMaxAge ?? DEFAULT_VALIDITY,
        dir: flags.attestations,
      }),
    );
    if (flags.format === 'json') {
      terminal.out(JSON.stringify({ path, attestation }, null, 2));
    } else {
      terminal.out(
        `attested ${criterionId} as ${attestation.attestedBy}, valid until ${attestation.expiresAt}: ${path}`,
      );
    }
  } finally {
    await key.close();
  }
}

/** Runs `work`; the errors that mean bad input become one line and exit 2. */
async function oneLine<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      error instanceof ImportError ||
      error instanceof PlanError ||
      error instanceof BundleError ||
      error instanceof AttestationError
    ) {
      throw new UsageError(error.message);
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) {
      throw new UsageError((error as Error).message);
    }
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: Readonly<Record<string, number | undefined>>): string {
  return (
    Object.entries(counts)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([name, n]) => `${n} ${name}`)
      .join(', ') || 'none'
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
