import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemPart } from './system-part.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export const softhsm = systemPart({
  name: 'SoftHSM2',
  install: 'apt-get install softhsm2',
  probe: ['softhsm2-util', '--version'],
});

export interface SoftHsmToken {
  readonly label: string;
  readonly pin: string;
  readonly soPin: string;
  readonly conf: string;
  remove(): void;
}

/**
 * A fresh SoftHSM2 token in its own temp directory. SoftHSM reads SOFTHSM2_CONF at C_Initialize,
 * so this points the process at the new token store; every provider on the previous one must be
 * closed first (the module is finalized when the last one closes).
 */
export function createSoftHsmToken(label = `bw-${randomBytes(4).toString('hex')}`): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-softhsm-'));
  const tokens = join(dir, 'tokens');
  execFileSync('mkdir', ['-p', tokens]);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const pin = randomBytes(6).toString('hex');
  const soPin = randomBytes(6).toString('hex');
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
    { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' },
  );
  process.env.SOFTHSM2_CONF = conf;
  return { label, pin, soPin, conf, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
