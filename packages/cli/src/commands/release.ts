import { dirname, join, resolve } from 'node:path';
import { KeysError, loadKeyring, type PublicKeyring } from '@bulwark/keys';
import { LedgerError, type NoteKey, parseVerifierKey } from '@bulwark/ledger';
import {
  approveRelease,
  checkTree,
  prepareRelease,
  RELEASE_CHECKS,
  type ReleaseCheckName,
  signRelease,
  verifyRelease,
} from '@bulwark/release';
import { type Command, InvalidArgumentError } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { createTerminal } from '../output/terminal.js';
import { releaseBaseline } from '../release/baseline.js';
import { runCheck } from '../release/check.js';
import { type ConfigFlags, configOf, released, shown, withConfig } from '../release/settings.js';
import { resolveKeyring } from '../trust/keyring.js';
import { openSigningKey } from '../trust/signing-key.js';
import type { SetExitCode } from './index.js';

/**
 * `bulwark release`: the release gate and its signatures. `check` runs every blocker (clean tree,
 * version, secrets, dependencies, SBOM, image digests, evidence); `sign` packs the released
 * workspaces and signs an in-toto attestation over the tarballs, the SBOM, the source tree and
 * the evidence; `approve` adds one role's sign-off; `verify` checks all of it.
 */
export function registerRelease(program: Command, setExitCode: SetExitCode): void {
  const release = program
    .command('release')
    .description(
      'gate a release candidate (clean tree, semver, secrets, advisories, SBOM, image digests, ' +
        'evidence), sign an in-toto attestation, collect role approvals, verify all of it',
    )
    .addHelpText(
      'after',
      '\nThe procedure, with exact commands: docs/releasing.md. Settings: bulwark.release.yaml.' +
        '\nExit codes: 0 go, 1 a blocker was found (or verification failed), 2 bad usage or input.',
    );

  withConfig(release.command('check'))
    .description('run the release blockers and report every finding; writes the SBOM')
    .option('--only <checks>', `only these checks (${RELEASE_CHECKS.join(', ')})`, checkList)
    .option('--keyring <file>', 'trusted keys for the evidence check (default: the key provider)')
    .option(
      '--allow-unreachable-advisories',
      'when the advisory service cannot be asked, warn instead of failing',
      false,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark release check\n  bulwark release check --only tree,secrets --format json\n',
    )
    .action((flags) => runCheck(flags, setExitCode));

  withConfig(release.command('baseline'))
    .description('add the secret findings not yet in the baseline to it, with an owner and expiry')
    .requiredOption('--owner <who>', 'who answers for these findings')
    .requiredOption('--reason <why>', 'why they are not secrets, or why they may stay')
    .requiredOption('--expires <date>', 'when the waiver ends (YYYY-MM-DD)', isoDate)
    .action((flags) => releaseBaseline(flags, setExitCode));

  withConfig(release.command('sign'))
    .description(
      'pack the released workspaces, write the SBOM and sign an in-toto attestation over ' +
        'tarballs, SBOM, source tree and evidence; append it to the ledger',
    )
    .option('--key <name>', 'the release signing key', 'release')
    .option('--keyring <file>', 'trusted keys for the evidence (default: the key provider)')
    .option('--no-evidence', 'attest without evidence (the release check still needs it)')
    .option('--ledger <url>', 'append the attestation to this ledger service')
    .addHelpText(
      'after',
      '\nExample:\n  bulwark release sign --key release --ledger http://127.0.0.1:8081\n',
    )
    .action(async (flags: SignFlags) => {
      const { root, config } = configOf(flags);
      const terminal = createTerminal();
      const tree = await released(() =>
        checkTree({ root, branches: config.branches, tags: config.tags }),
      );
      if (tree.status === 'fail') {
        terminal.err(`bulwark: refusing to sign: ${tree.summary}`);
        setExitCode(EXIT.checksFailed);
        return;
      }
      const evidenceKeys = flags.evidence ? (await resolveKeyring(flags)).keyring : undefined;
      terminal.progress('packing, writing the SBOM, finding the evidence');
      const inputs = await released(() =>
        prepareRelease({ root, config, ...(evidenceKeys ? { evidenceKeys } : {}) }),
      ).finally(() => terminal.progressDone());
      const key = await openSigningKey(flags.key, join(inputs.dir, 'signatures.jsonl'));
      try {
        const signed = await released(() =>
          signRelease({
            version: inputs.version,
            commit: inputs.commit,
            treeHash: inputs.treeHash,
            tarballs: inputs.tarballs,
            sbom: inputs.sbom,
            ...(inputs.evidence ? { evidence: inputs.evidence } : {}),
            signer: key.signer,
            outDir: inputs.dir,
            ...(flags.ledger ? { ledgerUrl: flags.ledger } : {}),
            now: new Date(),
          }),
        );
        const summary = {
          version: inputs.version,
          commit: inputs.commit,
          attestation: shown(signed.file),
          digest: signed.digest,
          signedBy: key.signer.keyId,
          tarballs: inputs.tarballs.map((t) => ({ file: shown(t.file), sha256: t.sha256 })),
          sbom: shown(inputs.sbom.file),
          ...(inputs.evidence ? { evidence: shown(inputs.evidence.bundleDir) } : {}),
          ...(signed.ledgerSeq !== undefined ? { ledgerSeq: signed.ledgerSeq } : {}),
        };
        if (flags.format === 'json') terminal.out(JSON.stringify(summary, null, 2));
        else {
          terminal.out(`signed ${summary.attestation} (v${inputs.version}, ${key.signer.keyId})`);
          terminal.out(`  sha256    ${signed.digest}`);
          for (const t of summary.tarballs) terminal.out(`  tarball   ${t.file} ${t.sha256}`);
          terminal.out(`  sbom      ${summary.sbom}`);
          terminal.out(
            `  evidence  ${summary.evidence ?? terminal.color.yellow('none (--no-evidence)')}`,
          );
          if (signed.ledgerSeq !== undefined) terminal.out(`  ledger    entry ${signed.ledgerSeq}`);
          terminal.out(
            `next: each approver runs bulwark release approve ${summary.attestation} --role ROLE`,
          );
        }
      } finally {
        await key.close();
      }
    });

  withConfig(release.command('approve'))
    .description("sign one role's approval of an attestation (the release sign-off)")
    .argument('<attestation>', 'the attestation file (release-<version>.intoto.jsonl)')
    .requiredOption(
      '--role <role>',
      'the role you approve for (bulwark.release.yaml signoff.roles)',
    )
    .option('--key <name>', 'your approver key', 'release-approver')
    .action(async (attestation: string, flags: ApproveFlags) => {
      const { config } = configOf(flags);
      const role = config.signoff.roles[flags.role];
      if (!role) {
        const known = Object.keys(config.signoff.roles);
        throw new UsageError(
          `--role ${flags.role} is not a sign-off role${known.length > 0 ? ` (roles: ${known.join(', ')})` : ' (bulwark.release.yaml defines none)'}`,
        );
      }
      const key = await openSigningKey(flags.key, join(dirname(attestation), 'signatures.jsonl'));
      try {
        if (!role.keys.includes(key.signer.keyId)) {
          throw new UsageError(
            `key ${key.signer.keyId} may not approve for ${flags.role} (its keys: ${role.keys.join(', ')})`,
          );
        }
        const { file } = await released(() =>
          approveRelease({
            attestationFile: attestation,
            role: flags.role,
            signer: key.signer,
            outDir: dirname(attestation),
            now: new Date(),
          }),
        );
        const terminal = createTerminal();
        if (flags.format === 'json')
          terminal.out(
            JSON.stringify({ approval: shown(file), role: flags.role, keyId: key.signer.keyId }),
          );
        else terminal.out(`approved as ${flags.role} (${key.signer.keyId}): ${shown(file)}`);
      } finally {
        await key.close();
      }
    });

  withConfig(release.command('verify'))
    .description(
      'check an attestation: its signature, every approval (m of n roles), the tarballs, and ' +
        'with --ledger its inclusion in the ledger',
    )
    .argument('<attestation>', 'the attestation file (release-<version>.intoto.jsonl)')
    .option('--tarballs <dir>', 'the tarballs to check (default: tarballs/ beside the attestation)')
    .option('--keyring <file>', 'trusted release signing keys (default: the key provider)')
    .option('--approvers <file>', "approvers' public keyring (default: signoff.keyring)")
    .option('--ledger <url>', 'prove the attestation is in this ledger service')
    .option('--ledger-key <vkey>', "the ledger's checkpoint verifier key (C2SP vkey)")
    .action(async (attestation: string, flags: VerifyFlags) => {
      const { root, config } = configOf(flags);
      if (flags.ledgerKey && !flags.ledger) {
        throw new UsageError('--ledger-key is the key of a --ledger; no --ledger was given');
      }
      const releaseKeys = (await resolveKeyring(flags)).keyring;
      const approverKeys = await keyringFile(
        flags.approvers ?? resolve(root, config.signoff.keyring),
        '--approvers',
      );
      const verifierKey = flags.ledgerKey ? ledgerKey(flags.ledgerKey) : undefined;
      const terminal = createTerminal();
      const result = await released(() =>
        verifyRelease({
          attestationFile: attestation,
          tarballDir: flags.tarballs ?? join(dirname(attestation), 'tarballs'),
          releaseKeys,
          approverKeys,
          roles: config.signoff.roles,
          ...(config.signoff.required !== undefined ? { required: config.signoff.required } : {}),
          ...(flags.ledger
            ? { ledger: { url: flags.ledger, ...(verifierKey ? { verifierKey } : {}) } }
            : {}),
          now: new Date(),
        }),
      );
      if (flags.format === 'json') terminal.out(JSON.stringify(result, null, 2));
      else {
        const { color } = terminal;
        terminal.out(
          `${result.ok ? color.green('VALID') : color.red('INVALID')}  release ${result.version ?? '?'} (${shown(attestation)})`,
        );
        for (const a of result.approvals) terminal.out(`  approved  ${a.role} by ${a.keyId}`);
        for (const p of result.problems) terminal.out(`  ${color.red('problem')}   ${p.message}`);
      }
      setExitCode(result.ok ? EXIT.ok : EXIT.checksFailed);
    });
}

interface SignFlags extends ConfigFlags {
  key: string;
  keyring?: string;
  evidence: boolean;
  ledger?: string;
}

interface ApproveFlags extends ConfigFlags {
  role: string;
  key: string;
}

interface VerifyFlags extends ConfigFlags {
  tarballs?: string;
  keyring?: string;
  approvers?: string;
  ledger?: string;
  ledgerKey?: string;
}

async function keyringFile(path: string, flag: string): Promise<PublicKeyring> {
  try {
    return await loadKeyring(path);
  } catch (error) {
    if (error instanceof KeysError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

function ledgerKey(text: string): NoteKey {
  try {
    return parseVerifierKey(text);
  } catch (error) {
    if (error instanceof LedgerError) throw new UsageError(`--ledger-key: ${error.message}`);
    throw error;
  }
}

function checkList(value: string, previous: ReleaseCheckName[] = []): ReleaseCheckName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(RELEASE_CHECKS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(
        `unknown check ${name} (checks: ${RELEASE_CHECKS.join(', ')})`,
      );
    }
  }
  return [...previous, ...(names as ReleaseCheckName[])];
}

function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError('expected a date, YYYY-MM-DD');
  }
  return value;
}
