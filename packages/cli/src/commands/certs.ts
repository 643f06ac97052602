import type { Command } from 'commander';
import {
  DEFAULT_DEV_HOSTS,
  DEFAULT_DEV_SERVICES,
  DEV_CERTS_DIR,
  type DevCertificate,
  ensureDevCertificates,
  RENEW_WITHIN_DAYS,
} from '../certs/dev-certificates.js';
import { EXIT } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { renderTable } from '../output/table.js';
import { createTerminal } from '../output/terminal.js';
import type { SetExitCode } from './index.js';

interface DevFlags {
  dir: string;
  hosts: string;
  service: string[];
  client: string[];
  force?: boolean;
  format: 'table' | 'json';
}

/** Repeatable and comma-separated alike: --service a --service b, or --service a,b. */
const collect = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
];

/**
 * `bulwark certs dev`: a local CA and, signed by it, server and mTLS client certificates for
 * development and tests (the files a service's tls.certFile, tls.keyFile and tls.caFile name).
 * Never for production: the CA key sits next to the certificates it signs.
 */
export function registerCerts(program: Command, setExitCode: SetExitCode): void {
  const certs = program
    .command('certs')
    .description('TLS certificates for development and tests (a local CA, server and client)');

  certs
    .command('dev')
    .description(
      'make a local CA (once) and server/client certificates signed by it; keeps valid ones',
    )
    .option('--dir <dir>', 'where the PEM files go', DEV_CERTS_DIR)
    .option(
      '--hosts <list>',
      'comma-separated DNS names and IP addresses the server certificates are valid for',
      DEFAULT_DEV_HOSTS.join(','),
    )
    .option(
      '--service <name>',
      `a server certificate <name>.pem for this service; repeatable (default: ${DEFAULT_DEV_SERVICES.join(', ')})`,
      collect,
      [],
    )
    .option(
      '--client <name>',
      'an mTLS client certificate (CN=<name>, URI spiffe://bulwark.local/<name>); repeatable',
      collect,
      [],
    )
    .option('--force', 'remake every certificate, the CA included, even when still valid')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Files: ca.pem, ca-key.pem, <name>.pem, <name>-key.pem (keys PKCS#8 PEM, mode 0600).
A certificate is remade when missing, invalid, for other hosts, not signed by the current CA,
or expiring within ${RENEW_WITHIN_DAYS} days; a remade CA remakes everything.
Trust ca.pem in clients, e.g. NODE_EXTRA_CA_CERTS=<dir>/ca.pem.
Exit codes: 0 done, 2 bad usage (a name or host that cannot be used).`,
    )
    .action(async (flags: DevFlags) => {
      const made = await ensureDevCertificates({
        dir: flags.dir,
        hosts: flags.hosts.split(',').filter((host) => host.trim() !== ''),
        services: flags.service.length > 0 ? flags.service : DEFAULT_DEV_SERVICES,
        clients: flags.client,
        force: flags.force === true,
      });
      const terminal = createTerminal();
      if (flags.format === 'json') {
        terminal.out(JSON.stringify(made, null, 2));
      } else {
        const all = [made.ca, ...made.services, ...made.clients];
        const action = (c: DevCertificate) =>
          c.action === 'kept' ? c.action : terminal.color.green(c.action);
        terminal.out(
          renderTable(
            ['NAME', 'KIND', 'ACTION', 'EXPIRES', 'CERTIFICATE', 'WHY'],
            all.map((c) => [
              c.name,
              c.kind,
              action(c),
              c.notAfter.slice(0, 10),
              c.certFile,
              c.reason ?? '',
            ]),
          ),
        );
        terminal.err(`trust ${made.ca.certFile} in clients (NODE_EXTRA_CA_CERTS)`);
      }
      setExitCode(EXIT.ok);
    });
}
