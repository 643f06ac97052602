import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { systemPart } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNftables, renderNftablesRefresh } from '../src/egress/render-nftables.js';
import type { EgressRule, PolicyDocument } from '../src/policy/types.js';

// Two private network namespaces joined by a veth pair: nothing here touches the host's own
// interfaces or tables, and every packet stays between the two namespaces.
const ip = systemPart({ name: 'ip', install: 'iproute2', probe: ['ip', '-V'] });
const nft = systemPart({ name: 'nft', install: 'nftables', probe: ['nft', '--version'] });
const root = systemPart({
  name: 'root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)',
  install: 'running the tests as root',
  probe: ['sh', '-c', 'test "$(id -u)" -eq 0'],
});
const ready = ip.available && nft.available && root.available;

const execFileAsync = promisify(execFile);
const SERVER_NS = `bwtest-srv-${process.pid}`;
const CLIENT_NS = `bwtest-cli-${process.pid}`;
// 198.18.0.0/15 is set aside for network tests (RFC 2544), and is not an "internal" range the
// rebinding rule keeps out of host sets, so one address serves the cidr and the host-set cases.
const NET = `198.18.${process.pid % 250}`;
const SERVER_IP = `${NET}.1`;
const CLIENT_IP = `${NET}.2`;
const ALLOWED = 8443;
const OTHER = 9443;
const TABLE = 'bulwark_egress';
const CONNECT_TIMEOUT_MS = 1500;

const SERVER_SCRIPT = `
const net = require('node:net');
const [host, ...ports] = process.argv.slice(1);
let listening = 0;
for (const port of ports) {
  net.createServer((socket) => socket.end('hello ' + port + '\\n'))
    .listen(Number(port), host, () => { if (++listening === ports.length) console.log('ready'); });
}`;

const CLIENT_SCRIPT = `
const net = require('node:net');
const [host, port, timeout] = process.argv.slice(1);
const done = (outcome) => { console.log(JSON.stringify(outcome)); process.exit(0); };
const socket = net.connect({ host, port: Number(port) });
setTimeout(() => done({ error: 'timeout' }), Number(timeout));
socket.once('data', (data) => done({ banner: String(data).trim() }));
socket.once('error', (error) => done({ error: error.code }));`;

let server: ChildProcess | undefined;

function run(args: string[], input?: string): string {
  const result = spawnSync(args[0]!, args.slice(1), { input, encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) {
    throw new Error(
      `${args.join(' ')} exited ${result.status}: ${result.stderr}${result.error ?? ''}`,
    );
  }
  return result.stdout;
}

function removeNamespaces(): void {
  server?.kill('SIGKILL');
  server = undefined;
  // Deleting a namespace deletes the veth end inside it, and with it the peer.
  for (const ns of [SERVER_NS, CLIENT_NS]) {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
}

async function startServer(): Promise<void> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      SERVER_NS,
      process.execPath,
      '-e',
      SERVER_SCRIPT,
      SERVER_IP,
      `${ALLOWED}`,
      `${OTHER}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server = child;
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${output}`));
    });
  });
}

/** Connects from the client namespace: the server's banner, or why there was none. */
async function connectFromClient(port: number): Promise<{ banner?: string; error?: string }> {
  const { stdout } = await execFileAsync(
    'ip',
    [
      'netns',
      'exec',
      CLIENT_NS,
      process.execPath,
      '-e',
      CLIENT_SCRIPT,
      SERVER_IP,
      `${port}`,
      `${CONNECT_TIMEOUT_MS}`,
    ],
    { timeout: 20_000 },
  );
  return JSON.parse(stdout);
}

function applyInClient(script: string): void {
  run(['ip', 'netns', 'exec', CLIENT_NS, 'nft', '-f', '-'], script);
}

function policyWith(egress: EgressRule[]): PolicyDocument {
  return {
    format: 'bulwark.policy/v1',
    gate: 'kernel-test',
    version: 1,
    expiresAt: '2030-01-01T00:00:00Z',
    defaultMode: 'WORK',
    modes: { PUB: { rules: [], egress: [] }, WORK: { rules: [], egress } },
  };
}

describe.skipIf(!ready)('the nftables ruleset, applied in a network namespace', () => {
  beforeAll(() => {
    removeNamespaces();
    process.once('exit', removeNamespaces);
    try {
      run(['ip', 'netns', 'add', SERVER_NS]);
      run(['ip', 'netns', 'add', CLIENT_NS]);
      // Created inside the client namespace, peer moved straight into the server's: the
      // host's namespace never holds either end.
      run([
        'ip',
        '-n',
        CLIENT_NS,
        'link',
        'add',
        `bwc${process.pid}`,
        'type',
        'veth',
        'peer',
        'name',
        `bws${process.pid}`,
        'netns',
        SERVER_NS,
      ]);
      run(['ip', '-n', SERVER_NS, 'addr', 'add', `${SERVER_IP}/30`, 'dev', `bws${process.pid}`]);
      run(['ip', '-n', CLIENT_NS, 'addr', 'add', `${CLIENT_IP}/30`, 'dev', `bwc${process.pid}`]);
      for (const [ns, link] of [
        [SERVER_NS, `bws${process.pid}`],
        [CLIENT_NS, `bwc${process.pid}`],
      ] as const) {
        run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
        run(['ip', '-n', ns, 'link', 'set', link, 'up']);
      }
    } catch (error) {
      removeNamespaces();
      throw error;
    }
    return startServer().catch((error) => {
      removeNamespaces();
      throw error;
    });
  });

  afterAll(() => {
    removeNamespaces();
    process.removeListener('exit', removeNamespaces);
    expect(run(['ip', 'netns', 'list'])).not.toContain(`-${process.pid}`);
  });

  it('reaches both ports before any ruleset is applied', async () => {
    const [allowed, other] = await Promise.all([
      connectFromClient(ALLOWED),
      connectFromClient(OTHER),
    ]);
    expect(allowed).toEqual({ banner: `hello ${ALLOWED}` });
    expect(other).toEqual({ banner: `hello ${OTHER}` });
  });

  it('lets the allowed cidr and port through and drops the other port in the kernel', async () => {
    const { ruleset } = await renderNftables(
      policyWith([{ id: 'server', cidr: `${SERVER_IP}/32`, ports: [ALLOWED] }]),
      'WORK',
    );
    applyInClient(ruleset);
    expect(
      run(['ip', 'netns', 'exec', CLIENT_NS, 'nft', 'list', 'chain', 'inet', TABLE, 'output']),
    ).toContain('policy drop');
    const [allowed, other] = await Promise.all([
      connectFromClient(ALLOWED),
      connectFromClient(OTHER),
    ]);
    expect(allowed).toEqual({ banner: `hello ${ALLOWED}` });
    // Dropped, not answered: the SYN never leaves, so the connect times out (or the kernel
    // reports the drop); either way no banner.
    expect(other.banner).toBeUndefined();
    expect(other.error).toBeDefined();
  });

  it('follows a host set refilled by the refresh script, without reloading the table', async () => {
    const policy = policyWith([{ id: 'banner', host: 'banner.bulwark.test', ports: [OTHER] }]);
    let answer = { v4: [] as string[], v6: [] as string[] };
    const options = { resolve: async () => answer };
    const { ruleset, sets } = await renderNftables(policy, 'WORK', options);
    expect(sets.map((set) => set.name)).toEqual([
      'host_banner_bulwark_test_v4',
      'host_banner_bulwark_test_v6',
    ]);
    applyInClient(ruleset);
    // The name resolves to nothing yet: its set is empty, so nothing is allowed.
    expect((await connectFromClient(OTHER)).banner).toBeUndefined();

    // Reloading would create a new table, with a new handle; a refresh keeps the table.
    const tableHandle = () =>
      /table inet \w+ \{ # handle (\d+)/.exec(
        run(['ip', 'netns', 'exec', CLIENT_NS, 'nft', '-a', 'list', 'table', 'inet', TABLE]),
      )?.[1];
    const handleBefore = tableHandle();
    expect(handleBefore).toBeDefined();

    answer = { v4: [SERVER_IP], v6: [] };
    applyInClient((await renderNftablesRefresh(policy, 'WORK', options)).script);
    expect(
      run([
        'ip',
        'netns',
        'exec',
        CLIENT_NS,
        'nft',
        'list',
        'set',
        'inet',
        TABLE,
        'host_banner_bulwark_test_v4',
      ]),
    ).toContain(SERVER_IP);
    const [other, allowed] = await Promise.all([
      connectFromClient(OTHER),
      connectFromClient(ALLOWED),
    ]);
    expect(other).toEqual({ banner: `hello ${OTHER}` });
    // The host rule names port 9443 only.
    expect(allowed.banner).toBeUndefined();
    expect(tableHandle()).toBe(handleBefore);

    // The DNS answer rotates away from the server: the next refresh takes the address out.
    answer = { v4: [`${NET}.3`], v6: [] };
    applyInClient((await renderNftablesRefresh(policy, 'WORK', options)).script);
    expect((await connectFromClient(OTHER)).banner).toBeUndefined();
  });
});
