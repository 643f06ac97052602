import {
  type ApiKeyDocument,
  addApiKey,
  revokeApiKey,
  rotateApiKey,
  summarizeApiKeys,
} from '@bulwark/kit/api-keys';
import { type Command, Option } from 'commander';
import { durationFlag } from '../api-keys/duration.js';
import { loadKeyFile, saveKeyFile } from '../api-keys/key-file.js';
import { issuedKeyJson, printKeyList } from '../api-keys/render.js';
import { EXIT } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { createTerminal } from '../output/terminal.js';
import type { SetExitCode } from './index.js';

interface FileFlags {
  file: string;
  format: 'table' | 'json';
}

interface NewKeyFlags extends FileFlags {
  subject: string;
  scopes?: string;
  org?: string;
  expiresIn?: string;
}

/**
 * `bulwark api-keys`: the `bulwark.api-keys/v1` document a service reads its API keys from
 * (auth.apiKeys.source). A key is printed once, to stdout, and never written anywhere: the file
 * keeps only its SHA-256. Messages go to stderr, so `KEY=$(bulwark api-keys create …)` captures
 * the key alone.
 */
export function registerApiKeys(program: Command, setExitCode: SetExitCode): void {
  const apiKeys = program
    .command('api-keys')
    .description('create, rotate, revoke and list the API keys a service accepts (hashes only)')
    .addHelpText(
      'after',
      '\nThe key file is written atomically with mode 0600. Exit codes: 0 done, 2 bad usage or a bad key file.',
    );

  withNewKeyOptions(withFileOptions(apiKeys.command('create')))
    .description('add a key for a subject; prints the key once')
    .action((flags: NewKeyFlags) =>
      run(setExitCode, async () => {
        const document = await loadKeyFile(flags.file, { create: true });
        const issued = addApiKey(document, {
          subject: flags.subject,
          scopes: scopesFlag(flags.scopes),
          ...(flags.org === undefined ? {} : { org: flags.org }),
          ...expiryFlag(flags.expiresIn),
        });
        await saveKeyFile(flags.file, issued.document);
        printIssued(flags, issued.document, issued.entry.id, issued.key);
        createTerminal().err(
          `created API key ${issued.entry.id} for ${flags.subject} in ${flags.file}; the key above is shown once and stored nowhere`,
        );
      }),
    );

  withNewKeyOptions(withFileOptions(apiKeys.command('rotate')), {
    scopesDefault: 'the current key',
  })
    .description('add a new key for a subject; its current keys expire after the overlap')
    .requiredOption('--overlap <duration>', 'how long the old key(s) keep working, e.g. 24h')
    .action((flags: NewKeyFlags & { overlap: string }) =>
      run(setExitCode, async () => {
        const overlapMs = durationFlag('--overlap', flags.overlap);
        const document = await loadKeyFile(flags.file, { create: false });
        const rotated = rotateApiKey(document, {
          subject: flags.subject,
          overlapMs,
          ...(flags.scopes === undefined ? {} : { scopes: scopesFlag(flags.scopes) }),
          ...(flags.org === undefined ? {} : { org: flags.org }),
          ...expiryFlag(flags.expiresIn),
        });
        await saveKeyFile(flags.file, rotated.document);
        printIssued(flags, rotated.document, rotated.entry.id, rotated.key);
        const old = rotated.expiring.map((key) => `${key.id} at ${key.expiresAt}`).join(', ');
        createTerminal().err(
          `rotated ${flags.subject}: new key ${rotated.entry.id} (shown once above); the old key(s) expire: ${old}`,
        );
      }),
    );

  withFileOptions(apiKeys.command('revoke'))
    .description('revoke one key at once (services re-read the file on their interval)')
    .requiredOption('--id <id>', 'the key id (the 16 hex digits after bwk_)')
    .action((flags: FileFlags & { id: string }) =>
      run(setExitCode, async () => {
        const document = await loadKeyFile(flags.file, { create: false });
        const revoked = revokeApiKey(document, flags.id);
        await saveKeyFile(flags.file, revoked.document);
        const terminal = createTerminal();
        if (flags.format === 'json') {
          const summary = summarizeApiKeys(revoked.document).find((k) => k.id === flags.id);
          terminal.out(JSON.stringify(summary, null, 2));
        } else {
          terminal.out(`revoked API key ${flags.id} (${revoked.entry.subject})`);
        }
      }),
    );

  withFileOptions(apiKeys.command('list'))
    .description('list the keys: id, subject, scopes, state and expiry; never the hashes in full')
    .action((flags: FileFlags) =>
      run(setExitCode, async () => {
        const document = await loadKeyFile(flags.file, { create: false });
        printKeyList(createTerminal(), summarizeApiKeys(document), flags.format);
      }),
    );
}

function withFileOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--file <path>', 'the API keys document (bulwark.api-keys/v1)')
        .env('BULWARK_API_KEYS')
        .makeOptionMandatory(),
    )
    .addOption(formatOption());
}

function withNewKeyOptions(command: Command, options: { scopesDefault?: string } = {}): Command {
  return command
    .requiredOption('--subject <name>', 'who the key authenticates, e.g. billing-service')
    .option(
      '--scopes <list>',
      `comma-separated scopes, e.g. items:read,items:write (default: ${options.scopesDefault ?? 'none'})`,
    )
    .option('--org <org>', 'the tenant the key belongs to')
    .option('--expires-in <duration>', 'the key stops working after this, e.g. 90d');
}

function scopesFlag(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
}

function expiryFlag(text: string | undefined): { expiresAt?: Date } {
  if (text === undefined) return {};
  return { expiresAt: new Date(Date.now() + durationFlag('--expires-in', text)) };
}

/** The key on stdout: alone (for capture), or with its entry as JSON. */
function printIssued(flags: FileFlags, document: ApiKeyDocument, id: string, key: string): void {
  const terminal = createTerminal();
  if (flags.format !== 'json') {
    terminal.out(key);
    return;
  }
  const summary = summarizeApiKeys(document).find((k) => k.id === id);
  if (summary) terminal.out(issuedKeyJson(summary, key));
}

/**
 * Runs one action. Its failures (the kit's typed errors: a bad key file, an unknown id, a bad
 * subject) reach main(), which prints their one-line message and exits 2.
 */
async function run(setExitCode: SetExitCode, action: () => Promise<void>): Promise<void> {
  await action();
  setExitCode(EXIT.ok);
}
