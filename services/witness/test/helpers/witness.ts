import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Signer } from '@bulwark/keys';
import type { Service } from '@bulwark/kit';
import { formatVerifierKey, type NoteKey, parseCosignerKey } from '@bulwark/ledger';
import { openWitnessService } from '../../src/index.js';

/** An in-process Ed25519 signer for a test log (the real ones come from @bulwark/keys). */
export function testLogSigner(keyId = 'log-test/v1'): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId,
    algorithm: 'Ed25519',
    publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12)),
    sign: async (data) => new Uint8Array(sign(null, data, privateKey)),
  };
}

export interface RunningWitness {
  readonly service: Service;
  readonly url: string;
  /** The witness's cosigner key, as GET /v1/witness publishes it. */
  readonly cosignerKey: NoteKey;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * The witness service in-process on an ephemeral port, with a file keystore and data directory
 * under `dir` (made when not given), witnessing `origin` signed by `logKey`.
 */
export async function startWitness(
  origin: string,
  logKey: NoteKey,
  options: { dir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningWitness> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'bw-witness-'));
  const service = await openWitnessService(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      HOST: '127.0.0.1',
      PORT: '0',
      BULWARK_KEYS_DIR: join(dir, 'keys'),
      BULWARK_WITNESS_DATA_DIR: join(dir, 'data'),
      BULWARK_WITNESS_NAME: 'witness.test/w1',
      BULWARK_WITNESS_LOG_KEYS: formatVerifierKey({ ...logKey, name: origin }),
      ...options.env,
    },
    { handleProcessSignals: false },
  );
  await service.listen();
  const url = `http://127.0.0.1:${service.port}`;
  const info = (await (await fetch(`${url}/v1/witness`)).json()) as { verifierKey: string };
  return {
    service,
    url,
    dir,
    cosignerKey: parseCosignerKey(info.verifierKey),
    async stop() {
      await service.shutdown();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
