import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  type Keystore,
  killAll,
  openKeystore,
  type Problem,
  type RunningService,
  sample,
  signedTransition,
  startLedger,
  startService,
  TOOL_GATE_MAIN,
  tempDir,
  waitFor,
} from '../../tool-gate/test/tool-gate-fixtures.js';

// core-api's tool action (POST /v1/tools/fetch) against a real tool gate, a real ledger and local
// target servers. core-api runs in its own process: its socket guard patches net.Socket for the
// whole process, which must not reach the test runner's other sockets.

const CORE_API_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TARGET_BODY = 'hello from the target\n';

interface TargetServer {
  readonly server: Server;
  readonly port: number;
  /** TCP connections accepted: a destination the guard refuses must never see one. */
  connections: number;
  requests: number;
}

async function targetServer(): Promise<TargetServer> {
  const server = createServer((_request, response) => {
    target.requests++;
    response.writeHead(200, { 'content-type': 'text/plain' }).end(TARGET_BODY);
  });
  const target: TargetServer = { server, port: 0, connections: 0, requests: 0 };
  server.on('connection', () => {
    target.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(target, { port: (server.address() as AddressInfo).port });
}

/**
 * WORK lets the fetch tool at any http:// resource, while its egress allow-list names only the
 * target's address and port, plus `localhost` on the other port: that name resolves to a
 * loopback address no cidr rule allows, so only the socket guard (after DNS) can refuse it.
 */
function policyYaml(targetPort: number, otherPort: number): string {
  const expiresAt = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
  return `format: bulwark.policy/v1
gate: tool-gate
version: 1
expiresAt: "${expiresAt}"
defaultMode: PUB
modes:
  PUB:
    rules:
      - id: no-fetch-in-pub
        tool: web
        action: fetch
        effect: deny
        reason: PUB mode fetches nothing
    egress: []
  WORK:
    rules:
      - id: fetch-any-http
        tool: web
        action: fetch
        effect: allow
        when:
          resource: ["http://*"]
    egress:
      - id: the-target
        cidr: 127.0.0.1/32
        ports: [${targetPort}]
        schemes: [http]
      - id: other-by-name
        host: localhost
        ports: [${otherPort}]
        schemes: [http]
`;
}

interface FetchReply {
  decisionId: string;
  mode: string;
  status: number;
  bytes: number;
  sha256: string;
}

interface LedgerEntry {
  kind: string;
  payload: Record<string, unknown>;
}

let work: Awaited<ReturnType<typeof tempDir>>;
let keys: Keystore;
let target: TargetServer;
let other: TargetServer;
let ledger: RunningService;
let gate: RunningService;
let core: RunningService;

beforeAll(async () => {
  work = await tempDir('bw-core-api-tools-');
  target = await targetServer();
  other = await targetServer();
  keys = await openKeystore(join(work.dir, 'gate-keys'));
  await keys.signer('gate-operator');
  const policyFile = join(work.dir, 'tools.policy.yaml');
  await writeFile(policyFile, policyYaml(target.port, other.port));
  ledger = await startLedger(join(work.dir, 'ledger'), join(work.dir, 'ledger-keys'));
  gate = await startService(TOOL_GATE_MAIN, {
    BULWARK_GATE_STATE_DIR: join(work.dir, 'gate-state'),
    BULWARK_KEYS_DIR: keys.dir,
    BULWARK_GATE_POLICY: policyFile,
    BULWARK_LEDGER_URL: ledger.url,
  });
  core = await startService(CORE_API_MAIN, {
    BULWARK_TOOL_GATE_URL: gate.url,
    BULWARK_LEDGER_URL: ledger.url,
    DATABASE_URL: 'memory://',
  });
});

afterAll(async () => {
  await killAll();
  await Promise.all(
    [target, other].map((t) => t && new Promise((resolve) => t.server.close(resolve))),
  );
  await keys?.close();
  await work?.remove();
});

const fetchTool = (body: unknown) =>
  call<FetchReply & Problem>('POST', `${core.url}/v1/tools/fetch`, body);
const coreMetrics = async () => (await call('GET', `${core.url}/metrics`)).text;
const blocked = (text: string, layer: string) =>
  sample(text, 'bulwark_egress_blocked_total', { layer }) ?? 0;

async function ledgerStream(stream: string): Promise<LedgerEntry[]> {
  const page = await call<{ entries: LedgerEntry[] }>(
    'GET',
    `${ledger.url}/v1/ledger/entries?stream=${stream}&limit=1000`,
  );
  expect(page.status).toBe(200);
  return page.body.entries;
}

function expectProblem(answer: {
  status: number;
  headers: Record<string, unknown>;
  body: Problem;
  text: string;
}) {
  expect(answer.headers['content-type'], answer.text).toMatch(/^application\/problem\+json/);
  expect(answer.body.errorId).toMatch(/^[0-9a-f-]{36}$/);
  expect(answer.text).not.toMatch(/\n\s+at /);
}

describe('POST /v1/tools/fetch through the tool gate', () => {
  it('refuses bodies that are not one http(s) URL', async () => {
    for (const body of [
      {},
      { url: 'ftp://127.0.0.1/file' },
      { url: 'not a url' },
      { url: `http://127.0.0.1:${target.port}/`, method: 'DELETE' },
      { url: 42 },
    ]) {
      const answer = await fetchTool(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expectProblem(answer);
    }
    expect(target.connections).toBe(0);
  });

  it('in PUB answers 403 naming the decision, which the gate recorded, and never fetches', async () => {
    const answer = await fetchTool({ url: `http://127.0.0.1:${target.port}/hello` });
    expect(answer.status, answer.text).toBe(403);
    expectProblem(answer);
    expect(answer.body.code).toBe('BW_FORBIDDEN');
    expect(answer.body.detail).toContain('mode PUB');
    expect(answer.body.detail).toContain('PUB mode fetches nothing');
    const decisionId = /decision ([0-9a-f-]{36})/.exec(answer.body.detail)?.[1];
    expect(decisionId).toBeDefined();
    expect(target.connections).toBe(0);

    const recorded = await waitFor('the deny decision in the ledger', async () =>
      (await ledgerStream('tool-gate')).find((e) => e.payload.id === decisionId),
    );
    expect(recorded).toMatchObject({
      kind: 'gate.decision',
      payload: {
        tool: 'web',
        action: 'fetch',
        effect: 'deny',
        mode: 'PUB',
        resource: `http://127.0.0.1:${target.port}/hello`,
      },
    });
  });

  it('after a signed transition to WORK fetches the target and reports what it got', async () => {
    const operator = await keys.signer('gate-operator');
    const switched = await call(
      'POST',
      `${gate.url}/v1/gate/transitions`,
      await signedTransition({ to: 'WORK', counter: 1, signers: [operator] }),
    );
    expect(switched.status, switched.text).toBe(200);

    const url = `http://127.0.0.1:${target.port}/hello`;
    const answer = await fetchTool({ url });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({
      decisionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      mode: 'WORK',
      status: 200,
      bytes: Buffer.byteLength(TARGET_BODY),
      sha256: createHash('sha256').update(TARGET_BODY).digest('hex'),
    });
    expect(target.requests).toBe(1);

    // core-api recorded the action, naming the gate's decision, before it fetched.
    const audit = await ledgerStream('core-api');
    expect(audit.filter((e) => e.kind === 'tool.web.fetch')).toEqual([
      expect.objectContaining({
        payload: { url, decisionId: answer.body.decisionId, mode: 'WORK' },
      }),
    ]);
    const decision = await waitFor('the allow decision in the ledger', async () =>
      (await ledgerStream('tool-gate')).find((e) => e.payload.id === answer.body.decisionId),
    );
    expect(decision.payload).toMatchObject({ effect: 'allow', ruleId: 'fetch-any-http' });
  });

  it('blocks a destination the rules allow but the egress allow-list does not, before it connects', async () => {
    const before = await coreMetrics();
    const beforeDispatcher = blocked(before, 'dispatcher');
    const beforeSocket = blocked(before, 'socket');

    // An address and port outside the allow-list: refused before undici dispatches anything.
    const byAddress = await fetchTool({ url: `http://127.0.0.1:${other.port}/secret` });
    expect(byAddress.status, byAddress.text).toBe(403);
    expectProblem(byAddress);
    expect(byAddress.body.code).toBe('BW_EGRESS_DENIED');
    expect(byAddress.body.detail).toContain(`127.0.0.1:${other.port} denied at the dispatcher`);

    // A name the allow-list lists, which resolves to loopback: refused at the socket, after DNS.
    const byName = await fetchTool({ url: `http://localhost:${other.port}/secret` });
    expect(byName.status, byName.text).toBe(403);
    expectProblem(byName);
    expect(byName.body.code).toBe('BW_EGRESS_DENIED');
    expect(byName.body.detail).toContain('denied at the socket');
    expect(byName.body.detail).toMatch(
      /localhost resolved to (127\.0\.0\.1|::1), a loopback address/,
    );

    expect(other.connections).toBe(0);
    const after = await coreMetrics();
    expect(blocked(after, 'dispatcher')).toBe(beforeDispatcher + 1);
    expect(blocked(after, 'socket')).toBe(beforeSocket + 1);

    // Each block is in the ledger too.
    const blocks = await waitFor('both blocks in the ledger', async () => {
      const entries = (await ledgerStream('core-api')).filter((e) => e.kind === 'egress.blocked');
      return entries.length >= 2 ? entries : undefined;
    });
    expect(blocks.map((e) => e.payload.layer)).toEqual(['dispatcher', 'socket']);
    expect(blocks.map((e) => e.payload.mode)).toEqual(['WORK', 'WORK']);
  });

  it("never blocks core-api's own calls to the tool gate and the ledger", async () => {
    // Every call so far (decisions, audit records, the policy mirror's polls, readiness probes)
    // went to the gate or the ledger, in PUB (egress: none) and WORK: only the two tool
    // destinations above were ever blocked.
    const text = await coreMetrics();
    expect(blocked(text, 'dispatcher') + blocked(text, 'socket')).toBe(2);
    expect((await call('GET', `${core.url}/ready`)).status).toBe(200);
    const verify = await call<{ valid: boolean }>('GET', `${ledger.url}/v1/ledger/verify`);
    expect(verify.body.valid).toBe(true);
  });

  it('fails closed with 503 when the tool gate is down', async () => {
    expect(await gate.stop('SIGTERM')).toBe(0);
    const requestsBefore = target.requests;
    const answer = await fetchTool({ url: `http://127.0.0.1:${target.port}/hello` });
    expect(answer.status, answer.text).toBe(503);
    expectProblem(answer);
    expect(answer.body.code).toBe('BW_DEPENDENCY_UNAVAILABLE');
    expect(target.requests).toBe(requestsBefore);
  });
});
