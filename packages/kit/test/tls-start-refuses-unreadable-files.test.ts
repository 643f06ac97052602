import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/index.js';
import { testService } from './helpers.js';
import { devCertificates, temporaryDir } from './tls-certificates.js';

const work = temporaryDir('bulwark-tls-start-');
let pair: { certFile: string; keyFile: string };
let otherKey: string;

beforeAll(async () => {
  const made = await devCertificates(work.dir, { services: ['server', 'other'] });
  const [server, other] = made.services;
  if (!server || !other) throw new Error('certificates missing');
  pair = { certFile: server.certFile, keyFile: server.keyFile };
  otherKey = other.keyFile;
});
afterAll(() => work.remove());

function startError(tls: Record<string, unknown>): unknown {
  try {
    testService({ tls });
  } catch (error) {
    return error;
  }
  throw new Error('the service was created');
}

describe('a service told to serve HTTPS does not start without its files', () => {
  it('names a certificate file that does not exist', () => {
    const missing = join(work.dir, 'missing.pem');
    const error = startError({ ...pair, certFile: missing });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`tls.certFile ${missing} cannot be read (ENOENT)`);
  });

  it('names an unreadable key file', () => {
    const error = startError({ ...pair, keyFile: work.dir });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`tls.keyFile ${work.dir} cannot be read`);
  });

  it('names a CA bundle that does not exist', () => {
    const missing = join(work.dir, 'ca-missing.pem');
    const error = startError({ ...pair, caFile: missing, clientCertificates: 'required' });
    expect((error as Error).message).toBe(`tls.caFile ${missing} cannot be read (ENOENT)`);
  });

  it('refuses a key that belongs to another certificate', () => {
    const error = startError({ ...pair, keyFile: otherKey });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `tls.keyFile ${otherKey} is not the key of the certificate in ${pair.certFile}`,
    );
  });

  it('refuses a certificate file that is not PEM, without quoting it', () => {
    const garbage = join(work.dir, 'garbage.pem');
    writeFileSync(garbage, 'secret-looking-bytes-123');
    const error = startError({ ...pair, certFile: garbage });
    expect((error as Error).message).toBe(`tls.certFile ${garbage} is not a PEM certificate`);
    expect((error as Error).message).not.toContain('secret-looking');
  });
});
