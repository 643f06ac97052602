import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Service } from '@bulwark/kit';
import { freePort } from '@bulwark/testkit';
import { openToolGateService, REFERENCE_POLICY } from '@bulwark/tool-gate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from './run-cli.js';

/**
 * The operator's round trip against a real tool gate (in this process, on an ephemeral port):
 * request a mode transition, approve it with the operator key, apply it; sign a newer policy
 * and install it. The CLI and the gate share one development keystore, as on a laptop.
 */

// The gate's log lines are not what this file asserts.
const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

let work: string;
let keysDir: string;
let gateUrl: string;
let service: Service;
const startDir = process.cwd();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bw-gate-tool-cli-'));
  keysDir = join(work, 'keys');
  // The CLI keeps its signing audit log under ./.bulwark/state: keep it out of the checkout.
  process.chdir(work);
  service = await openToolGateService(
    {
      PORT: '0',
      BULWARK_KEYS_DIR: keysDir,
      BULWARK_GATE_STATE_DIR: join(work, 'state'),
      BULWARK_GATE_POLICY: REFERENCE_POLICY,
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    },
    { handleProcessSignals: false, logDestination: silent },
  );
  await service.listen();
  gateUrl = `http://127.0.0.1:${service.port}`;
});

afterAll(async () => {
  await service?.shutdown();
  process.chdir(startDir);
  rmSync(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, { BULWARK_KEYS_DIR: keysDir });

interface StatusView {
  mode: string;
  counter: number;
  policyVersion: number;
  signed: boolean;
  signedBy: string[];
}

async function statusJson(): Promise<StatusView> {
  const run = await cli('gate', 'status', '--gate-url', gateUrl, '--format', 'json');
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as StatusView;
}

describe('bulwark gate against a running tool gate', () => {
  it('shows the status as a table and as JSON', async () => {
    const table = await cli('gate', 'status', '--gate-url', gateUrl);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('gate:    tool-gate\n');
    expect(table.stdout).toContain('mode:    PUB (counter 0)\n');
    expect(table.stdout).toMatch(/policy: {2}version 1, expires 2030-01-01T00:00:00Z, unsigned/);
    expect(table.stdout).toMatch(
      /outbox: {2}\d+ of 1000000 records waiting \(no ledger configured\)/,
    );

    expect(await statusJson()).toMatchObject({
      gate: 'tool-gate',
      mode: 'PUB',
      counter: 0,
      policyVersion: 1,
      signed: false,
      outbox: { max_records: 1_000_000 },
    });
  });

  it('requests, approves and applies a transition to WORK; the same request again is rejected', async () => {
    const file = join(work, 'to-work.json');
    const requested = await cli(
      'gate',
      'request-transition',
      '--to',
      'WORK',
      '--reason',
      'incident 42',
      '--requester',
      'alice',
      '--gate-url',
      gateUrl,
      '--out',
      file,
    );
    expect(requested.code, requested.stderr).toBe(0);
    // The counter came from the gate: its current counter (0) plus one.
    expect(requested.stdout).toMatch(
      /^wrote .*to-work\.json: tool-gate → WORK, counter 1, valid until /,
    );
    const request = JSON.parse(readFileSync(file, 'utf8'));
    expect(request.body).toMatchObject({ to: 'WORK', counter: 1, requester: 'alice' });
    expect(request.signatures).toEqual([]);

    // Unsigned, the gate refuses it: quorum is one operator.
    const unsigned = await cli('gate', 'apply', file, '--gate-url', gateUrl);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toMatch(/^REJECTED {2}BW_GATE_TRANSITION_QUORUM: \S/);
    expect((await statusJson()).mode).toBe('PUB');

    const approved = await cli('gate', 'approve', file);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('approved by gate-operator/v1 (1 signature)');
    expect(JSON.parse(readFileSync(file, 'utf8')).signatures).toHaveLength(1);

    const applied = await cli('gate', 'apply', file, '--gate-url', gateUrl);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('mode:    WORK (counter 1)');
    expect(await statusJson()).toMatchObject({ mode: 'WORK', counter: 1 });

    const again = await cli('gate', 'apply', file, '--gate-url', gateUrl);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^REJECTED {2}BW_GATE_TRANSITION_REPLAYED_NONCE: \S/);
    expect(again.stderr).toBe('');

    const againJson = await cli('gate', 'apply', file, '--gate-url', gateUrl, '--format', 'json');
    expect(againJson.code).toBe(1);
    const problem = JSON.parse(againJson.stdout);
    expect(problem).toMatchObject({ status: 422, code: 'BW_GATE_TRANSITION_REPLAYED_NONCE' });
    expect(again.stdout).toContain(problem.code);
    expect((await statusJson()).counter).toBe(1);
  });

  it('signs a version-2 policy and installs it; installing it again is a rollback', async () => {
    const policy = join(work, 'v2.policy.yaml');
    writeFileSync(
      policy,
      readFileSync(REFERENCE_POLICY, 'utf8').replace(/^version: 1$/m, 'version: 2'),
    );
    const signed = await cli('gate', 'sign-bundle', policy);
    expect(signed.code, signed.stderr).toBe(0);
    const bundleFile = join(work, 'v2.policy.bundle.json');
    expect(signed.stdout).toBe(`wrote ${bundleFile} (signed by gate-policy/v1)\n`);
    const bundle = JSON.parse(readFileSync(bundleFile, 'utf8'));
    expect(bundle).toMatchObject({ format: 'bulwark.policy-bundle/v1' });
    expect(bundle.signatures).toHaveLength(1);

    const applied = await cli(
      'gate',
      'apply',
      bundleFile,
      '--gate-url',
      gateUrl,
      '--format',
      'json',
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ policyVersion: 2, signed: true });
    const status = await statusJson();
    expect(status).toMatchObject({ policyVersion: 2, signed: true, signedBy: ['gate-policy/v1'] });
    // A new policy does not change the mode operators chose.
    expect(status.mode).toBe('WORK');
    const table = await cli('gate', 'status', '--gate-url', gateUrl);
    expect(table.stdout).toMatch(/policy: {2}version 2, .*signed by gate-policy\/v1/);

    const again = await cli('gate', 'apply', bundleFile, '--gate-url', gateUrl);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^REJECTED {2}BW_GATE_BUNDLE_ROLLBACK: \S/);
    expect((await statusJson()).policyVersion).toBe(2);
  });

  it('asks the gate for decisions: exit 0 on allow, 1 on deny', async () => {
    // The gate is in WORK (the transition above).
    const allow = await cli(
      'gate',
      'decide',
      '--gate-url',
      gateUrl,
      '--tool',
      'web',
      '--action',
      'fetch',
      '--resource',
      'https://example.com/page',
    );
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout).toMatch(/^ALLOW {2}web\.fetch in WORK: /);

    const deny = await cli(
      'gate',
      'decide',
      '--gate-url',
      gateUrl,
      '--tool',
      'web',
      '--action',
      'fetch',
      '--resource',
      'http://169.254.169.254/latest/meta-data',
      '--format',
      'json',
    );
    expect(deny.code).toBe(1);
    expect(JSON.parse(deny.stdout)).toMatchObject({
      allow: false,
      effect: 'deny',
      ruleId: 'no-metadata-endpoint',
      mode: 'WORK',
      policyVersion: 2,
    });
  });

  it('exits 2 with one line when the gate cannot be reached', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    expectOneLineFailure(
      await cli('gate', 'status', '--gate-url', nowhere),
      /^bulwark: cannot reach the tool gate at http:\/\/127\.0\.0\.1:\d+: /,
    );
    expectOneLineFailure(
      await cli('gate', 'decide', '--tool', 'items', '--action', 'read', '--gate-url', nowhere),
      /cannot reach the tool gate/,
    );
    // The counter is read from the gate, so the request cannot be written without it.
    const file = join(work, 'unwritten.json');
    expectOneLineFailure(
      await runCli(
        [
          'gate',
          'request-transition',
          '--to',
          'PUB',
          '--reason',
          'r',
          '--requester',
          'bob',
          '--out',
          file,
        ],
        { BULWARK_KEYS_DIR: keysDir, BULWARK_TOOL_GATE_URL: nowhere },
      ),
      /cannot reach the tool gate/,
    );
  });
});
