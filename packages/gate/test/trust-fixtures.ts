import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KeyProvider,
  MemoryAuditSink,
  openFileKeyProvider,
  PublicKeyring,
  type Signer,
} from '@bulwark/keys';
import type { DecisionRecorder, GateRecord } from '../src/decisions/types.js';
import { OutboxFullError } from '../src/errors.js';

/** The gate every fixture policy is for. */
export const GATE = 'gate-a';

/**
 * Real Ed25519 keys in a temp file keystore: a policy signer, three operators (a, b, c) and an
 * intruder whose key no keyring trusts.
 */
export interface TrustFixture {
  readonly dir: string;
  readonly provider: KeyProvider;
  readonly policySigner: Signer;
  readonly operatorA: Signer;
  readonly operatorB: Signer;
  readonly operatorC: Signer;
  readonly intruder: Signer;
  /** Trusts policySigner only. */
  readonly policyKeys: PublicKeyring;
  /** Trusts the three operators only. */
  readonly operatorKeys: PublicKeyring;
  cleanup(): Promise<void>;
}

export async function createTrust(): Promise<TrustFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-gate-'));
  const provider = await openFileKeyProvider({
    dir: join(dir, 'keys'),
    audit: new MemoryAuditSink(),
  });
  const signer = async (name: string) => {
    await provider.create(name);
    return provider.open(name);
  };
  const policySigner = await signer('policy');
  const operatorA = await signer('operator-a');
  const operatorB = await signer('operator-b');
  const operatorC = await signer('operator-c');
  const intruder = await signer('intruder');
  return {
    dir,
    provider,
    policySigner,
    operatorA,
    operatorB,
    operatorC,
    intruder,
    policyKeys: keyringOf([policySigner]),
    operatorKeys: keyringOf([operatorA, operatorB, operatorC]),
    cleanup: async () => {
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function keyringOf(signers: readonly Signer[]): PublicKeyring {
  return new PublicKeyring(
    signers.map((s) => ({ keyId: s.keyId, algorithm: s.algorithm, publicKey: s.publicKey })),
  );
}

export interface PolicyOptions {
  readonly version?: number;
  readonly gate?: string;
  readonly expiresAt?: string;
  readonly defaultMode?: string;
  /** Drop the WORK mode's shell rule (a different policy at the same shape). */
  readonly withoutShell?: boolean;
}

/** A year from now: fixture policies stay valid unless a test says otherwise. */
export const FAR_FUTURE = new Date(Date.now() + 365 * 24 * 3600_000).toISOString();

/**
 * A policy where `search` is allowed in PUB and WORK and `shell run` only in WORK, so a
 * decision's allow says which mode decided it.
 */
export function policyDocument(options: PolicyOptions = {}): Record<string, unknown> {
  const workRules: Record<string, unknown>[] = [
    { id: 'work-search', tool: 'search', action: '*', effect: 'allow' },
  ];
  if (!options.withoutShell) {
    workRules.push({ id: 'work-shell', tool: 'shell', action: 'run', effect: 'allow' });
  }
  return {
    format: 'bulwark.policy/v1',
    gate: options.gate ?? GATE,
    version: options.version ?? 1,
    expiresAt: options.expiresAt ?? FAR_FUTURE,
    defaultMode: options.defaultMode ?? 'PUB',
    modes: {
      PUB: {
        rules: [{ id: 'pub-search', tool: 'search', action: '*', effect: 'allow' }],
        egress: [],
      },
      WORK: {
        rules: workRules,
        egress: [{ id: 'work-api', host: 'api.example.com', ports: [443], schemes: ['https'] }],
      },
    },
  };
}

/** The fixture policy as the bytes a bundle signs (JSON). */
export function policyBytes(options: PolicyOptions = {}): Uint8Array {
  return Buffer.from(`${JSON.stringify(policyDocument(options), null, 2)}\n`, 'utf8');
}

/**
 * A TEST DOUBLE for the decision outbox (built elsewhere): keeps records in memory, in the order
 * record() was called, and can be set to refuse with OutboxFullError like a full outbox.
 */
export class InMemoryTestRecorder implements DecisionRecorder {
  readonly records: GateRecord[] = [];
  full = false;

  record(record: GateRecord): Promise<void> {
    if (this.full) return Promise.reject(new OutboxFullError('test outbox is full'));
    this.records.push(record);
    // Resolve on a later turn, as a durable write would, so callers really wait for it.
    return new Promise((resolve) => setImmediate(resolve));
  }

  depth(): number {
    return 0;
  }

  ofKind(kind: GateRecord['kind']): GateRecord[] {
    return this.records.filter((record) => record.kind === kind);
  }

  last(): GateRecord | undefined {
    return this.records.at(-1);
  }
}
