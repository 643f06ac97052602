// The bearer token of bench:kit --peers: one key pair made per run, its public key written to a
// file both authenticating servers read, and one token every request of theirs carries. RS256
// by default: the algorithm most identity providers sign with, and the cheapest asymmetric one
// to verify, so the comparison is of the stacks rather than of one signature check.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';

export const BENCH_JWT_ISSUER = 'https://issuer.bench.invalid/';
export const BENCH_JWT_AUDIENCE = 'bench-api';

/** What an authenticating server reads: BENCH_JWT_PUBLIC_KEY_FILE and BENCH_JWT_ALGORITHM. */
export interface BenchJwtSettings {
  readonly publicKeyFile: string;
  readonly algorithm: 'RS256' | 'ES256';
  readonly issuer: string;
  readonly audience: string;
}

export function benchJwtFromEnv(env: NodeJS.ProcessEnv = process.env): BenchJwtSettings {
  const publicKeyFile = env.BENCH_JWT_PUBLIC_KEY_FILE;
  const algorithm = env.BENCH_JWT_ALGORITHM;
  if (!publicKeyFile || (algorithm !== 'RS256' && algorithm !== 'ES256')) {
    throw new Error(
      'BENCH_JWT_PUBLIC_KEY_FILE and BENCH_JWT_ALGORITHM (RS256 or ES256) are needed',
    );
  }
  return { publicKeyFile, algorithm, issuer: BENCH_JWT_ISSUER, audience: BENCH_JWT_AUDIENCE };
}

export interface BenchJwt {
  /** The servers' environment: where the public key is and which algorithm to accept. */
  readonly env: Record<string, string>;
  readonly authorization: string;
  /** Deletes the key file. */
  remove(): void;
}

export async function makeBenchJwt(algorithm: 'RS256' | 'ES256'): Promise<BenchJwt> {
  const { publicKey, privateKey } = await generateKeyPair(algorithm);
  const dir = mkdtempSync(join(tmpdir(), 'bench-kit-jwt-'));
  const publicKeyFile = join(dir, 'public.pem');
  writeFileSync(publicKeyFile, await exportSPKI(publicKey));
  const token = await new SignJWT({ scope: 'hello:read' })
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setIssuer(BENCH_JWT_ISSUER)
    .setAudience(BENCH_JWT_AUDIENCE)
    .setSubject('bench-client')
    .setIssuedAt()
    // Longer than any run: a token expiring mid-run would turn the rest into 401s.
    .setExpirationTime('24h')
    .sign(privateKey);
  return {
    env: { BENCH_JWT_PUBLIC_KEY_FILE: publicKeyFile, BENCH_JWT_ALGORITHM: algorithm },
    authorization: `Bearer ${token}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
