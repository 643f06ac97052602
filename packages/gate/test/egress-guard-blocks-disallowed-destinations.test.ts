import { once } from 'node:events';
import { createServer, get as httpGet, type Server } from 'node:http';
import { type AddressInfo, BlockList, connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { HttpClient, Tracing } from '@bulwark/kit';
import { spawnTs } from '@bulwark/testkit';
import { Agent, getGlobalDispatcher, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EgressBlockEvent, EgressGuard } from '../src/egress/guard.js';
import { installSocketGuard } from '../src/egress/socket-guard.js';
import { egressInterceptor, guardGlobalDispatcher } from '../src/egress/undici-interceptor.js';
import { EgressDeniedError } from '../src/errors.js';
import type { EgressDestination, EgressVerdict } from '../src/policy/types.js';

// A stand-in for CompiledPolicy.egress with the same rebinding rule: a name is allowed by name,
// and the address it resolved to must not be internal unless that address is allowed too.
const INTERNAL = new BlockList();
INTERNAL.addSubnet('127.0.0.0', 8, 'ipv4');
INTERNAL.addAddress('::1', 'ipv6');
INTERNAL.addSubnet('169.254.0.0', 16, 'ipv4');

function allowOnly(allowed: { names?: string[]; addresses?: string[] }) {
  const names = new Set(allowed.names ?? []);
  const addresses = new Set(allowed.addresses ?? []);
  const asked: EgressDestination[] = [];
  const check = (destination: EgressDestination): EgressVerdict => {
    asked.push(destination);
    const { host, address } = destination;
    if (host !== undefined && !names.has(host)) return { allow: false, reason: 'name not allowed' };
    if (address !== undefined && !addresses.has(address)) {
      if (host === undefined) return { allow: false, reason: 'address not allowed' };
      const family = address.includes(':') ? 'ipv6' : 'ipv4';
      if (INTERNAL.check(address, family)) {
        return { allow: false, reason: `${host} resolved to internal address ${address}` };
      }
    }
    return { allow: true, ruleId: 'test', reason: 'allowed' };
  };
  return { check, asked };
}

function guardWith(allowed: { names?: string[]; addresses?: string[] }) {
  const { check, asked } = allowOnly(allowed);
  const blocks: EgressBlockEvent[] = [];
  const guard = new EgressGuard({ check, onBlock: (event) => blocks.push(event) });
  return { guard, blocks, asked };
}

let server: Server;
let port: number;
let served = 0;
const tracing = new Tracing({ service: 'egress-test', version: '0.0.0', sampleRatio: 0 });
const originalConnect = Socket.prototype.connect;
const originalDispatcher = getGlobalDispatcher();
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  server = createServer((_request, response) => {
    served += 1;
    // No keep-alive: a pooled connection from one test would let the next skip connect().
    response.setHeader('connection', 'close');
    response.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  // Every test leaves the process as it found it.
  expect(Socket.prototype.connect).toBe(originalConnect);
  expect(getGlobalDispatcher()).toBe(originalDispatcher);
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

function guardedAgent(guard: EgressGuard) {
  const agent = new Agent();
  cleanups.push(() => agent.close());
  return agent.compose(egressInterceptor(guard));
}

function kitClient(guard: EgressGuard) {
  const client = new HttpClient(tracing, { interceptors: [egressInterceptor(guard)] });
  cleanups.push(() => client.close());
  return client;
}

function socketGuard(guard: EgressGuard) {
  cleanups.push(installSocketGuard(guard));
}

/** Resolves with the error that ended a raw connect, or undefined when it connected. */
async function rawConnectError(socket: Socket): Promise<Error | undefined> {
  try {
    await once(socket, 'connect');
    socket.destroy();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

async function httpGetError(url: string): Promise<Error | undefined> {
  return new Promise((resolve) => {
    httpGet(url, (response) => {
      response.resume();
      response.on('end', () => resolve(undefined));
    }).on('error', resolve);
  });
}

describe('the dispatcher layer', () => {
  it('refuses a disallowed host name through undici before any connection is made', async () => {
    const { guard, blocks } = guardWith({ names: ['api.example.com'] });
    const before = served;
    const error = await request(`http://localhost:${port}/`, {
      dispatcher: guardedAgent(guard),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect((error as EgressDeniedError).code).toBe('BW_EGRESS_DENIED');
    expect((error as Error).message).toContain(`http://localhost:${port}`);
    expect(served).toBe(before);
    expect(blocks).toEqual([
      {
        layer: 'dispatcher',
        destination: { scheme: 'http', host: 'localhost', port },
        verdict: { allow: false, reason: 'name not allowed' },
      },
    ]);
  });

  it('refuses a disallowed host name through the kit HttpClient', async () => {
    const { guard, blocks } = guardWith({});
    const before = served;
    await expect(kitClient(guard).request(`http://localhost:${port}/`)).rejects.toBeInstanceOf(
      EgressDeniedError,
    );
    expect(served).toBe(before);
    expect(blocks.map((block) => block.layer)).toEqual(['dispatcher']);
  });

  it('refuses a disallowed IP literal with the address, not a host, in the destination', async () => {
    const { guard, blocks } = guardWith({ names: ['localhost'] });
    await expect(
      request(`http://127.0.0.1:${port}/`, { dispatcher: guardedAgent(guard) }),
    ).rejects.toBeInstanceOf(EgressDeniedError);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.destination).toEqual({ scheme: 'http', address: '127.0.0.1', port });
  });

  it("guards Node 20's built-in globalThis.fetch through undici's global dispatcher", async () => {
    const { guard, blocks } = guardWith({ names: ['api.example.com'] });
    cleanups.push(guardGlobalDispatcher(guard));
    const before = served;
    const error = await globalThis.fetch(`http://localhost:${port}/`).catch((e: unknown) => e);
    // fetch wraps every network error in TypeError('fetch failed'); the cause is ours.
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).cause).toBeInstanceOf(EgressDeniedError);
    expect(served).toBe(before);
    expect(blocks.map((block) => block.layer)).toEqual(['dispatcher']);
  });

  it('lets allowed destinations through every client, and reports nothing', async () => {
    const { guard, blocks } = guardWith({ names: ['localhost'], addresses: ['127.0.0.1'] });
    cleanups.push(guardGlobalDispatcher(guard));
    socketGuard(guard);
    const before = served;
    const viaUndici = await request(`http://localhost:${port}/`, {
      dispatcher: guardedAgent(guard),
    });
    expect(await viaUndici.body.text()).toBe('ok');
    const viaKit = await kitClient(guard).request(`http://127.0.0.1:${port}/`);
    expect(await viaKit.text()).toBe('ok');
    const viaFetch = await globalThis.fetch(`http://localhost:${port}/`);
    expect(await viaFetch.text()).toBe('ok');
    expect(await httpGetError(`http://localhost:${port}/`)).toBeUndefined();
    expect(await rawConnectError(netConnect(port, '127.0.0.1'))).toBeUndefined();
    expect(served - before).toBe(4);
    expect(blocks).toEqual([]);
  });
});

describe('the socket layer', () => {
  it('refuses a disallowed host name on raw net.connect, node:http and undici', async () => {
    const { guard, blocks } = guardWith({ names: ['api.example.com'] });
    socketGuard(guard);
    const before = served;
    const raw = await rawConnectError(netConnect({ host: 'localhost', port }));
    expect(raw).toBeInstanceOf(EgressDeniedError);
    expect(await httpGetError(`http://localhost:${port}/`)).toBeInstanceOf(EgressDeniedError);
    const agent = new Agent();
    cleanups.push(() => agent.close());
    await expect(
      request(`http://localhost:${port}/`, { dispatcher: agent }),
    ).rejects.toBeInstanceOf(EgressDeniedError);
    expect(served).toBe(before);
    expect(blocks.map((block) => block.layer)).toEqual(['socket', 'socket', 'socket']);
    expect(blocks[0]?.destination).toEqual({ host: 'localhost', address: '127.0.0.1', port });
  });

  it('refuses a disallowed IP on net.connect (every argument form) and tls.connect', async () => {
    const { guard, blocks } = guardWith({ names: ['localhost'] });
    socketGuard(guard);
    const forms = [
      netConnect(port, '127.0.0.1'),
      netConnect({ host: '127.0.0.1', port }),
      new Socket().connect(port, '127.0.0.1'),
      new Socket().connect({ host: '127.0.0.1', port }),
      tlsConnect({ host: '127.0.0.1', port }),
    ];
    // Listen on every socket before awaiting any: their errors arrive on the next tick.
    const errors = await Promise.all(forms.map(rawConnectError));
    for (const error of errors) expect(error).toBeInstanceOf(EgressDeniedError);
    expect(blocks).toHaveLength(forms.length);
    for (const block of blocks) {
      expect(block).toMatchObject({ layer: 'socket', destination: { address: '127.0.0.1', port } });
    }
  });

  it('refuses a permitted name that resolves to a disallowed address (rebinding)', async () => {
    // The name localhost is allowed; its loopback address is not: only after DNS can we tell.
    const { guard, blocks, asked } = guardWith({ names: ['localhost'] });
    cleanups.push(guardGlobalDispatcher(guard));
    socketGuard(guard);
    const before = served;
    const error = await globalThis.fetch(`http://localhost:${port}/`).catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(EgressDeniedError);
    expect(served).toBe(before);
    // The dispatcher let the name pass; the socket refused the address: one block, one layer.
    expect(asked[0]).toEqual({ scheme: 'http', host: 'localhost', port });
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({
      layer: 'socket',
      destination: { host: 'localhost', address: '127.0.0.1', port },
      verdict: { allow: false, reason: 'localhost resolved to internal address 127.0.0.1' },
    });
  });

  it("judges what a caller's own lookup returns, so a custom resolver cannot bypass it", async () => {
    const { guard, blocks } = guardWith({ names: ['api.example.test'] });
    socketGuard(guard);
    let lookups = 0;
    const socket = netConnect({
      host: 'api.example.test',
      port,
      // A resolver answering with the cloud metadata address: nothing may be sent there.
      lookup: (_host, options, callback) => {
        lookups += 1;
        if ((options as { all?: boolean }).all) {
          (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
            { address: '169.254.169.254', family: 4 },
          ]);
        } else {
          callback(null, '169.254.169.254', 4);
        }
      },
    });
    expect(await rawConnectError(socket)).toBeInstanceOf(EgressDeniedError);
    expect(lookups).toBe(1);
    expect(blocks).toEqual([
      expect.objectContaining({
        layer: 'socket',
        destination: { host: 'api.example.test', address: '169.254.169.254', port },
      }),
    ]);
  });

  it('lets unix-socket connects pass untouched', async () => {
    const { guard, blocks } = guardWith({});
    socketGuard(guard);
    const error = await rawConnectError(netConnect('/nonexistent/bulwark-egress.sock'));
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(blocks).toEqual([]);
  });
});

describe('the guard itself', () => {
  it('treats a check that throws as a deny', () => {
    const blocks: EgressBlockEvent[] = [];
    const guard = new EgressGuard({
      check: () => {
        throw new Error('no such mode');
      },
      onBlock: (event) => blocks.push(event),
    });
    expect(() => guard.assert({ host: 'api.example.com', port: 443 }, 'dispatcher')).toThrow(
      /the egress check failed: no such mode/,
    );
    expect(blocks).toHaveLength(1);
  });

  it('still refuses when onBlock throws', () => {
    const guard = new EgressGuard({
      check: () => ({ allow: false, reason: 'nope' }),
      onBlock: () => {
        throw new Error('observer broke');
      },
    });
    expect(() => guard.assert({ address: '10.0.0.1', port: 22 }, 'socket')).toThrow(
      EgressDeniedError,
    );
  });

  it('installs the socket guard idempotently and removes it with the last holder', () => {
    const { guard } = guardWith({});
    const first = installSocketGuard(guard);
    const patched = Socket.prototype.connect;
    const second = installSocketGuard(guard);
    expect(Socket.prototype.connect).toBe(patched);
    expect(patched).not.toBe(originalConnect);
    expect(() => installSocketGuard(guardWith({}).guard)).toThrow(/already installed/);
    first();
    first();
    expect(Socket.prototype.connect).toBe(patched);
    second();
    expect(Socket.prototype.connect).toBe(originalConnect);
  });

  it('leaves a later wrapper of connect in place, and then judges each connect once', async () => {
    const first = guardWith({});
    const uninstallFirst = installSocketGuard(first.guard);
    const guardedByUs = Socket.prototype.connect;
    // Another library wraps connect on top of ours.
    const theirs = function (this: Socket, ...args: unknown[]) {
      return Reflect.apply(guardedByUs, this, args) as Socket;
    } as typeof Socket.prototype.connect;
    Socket.prototype.connect = theirs;
    cleanups.push(() => {
      Socket.prototype.connect = originalConnect;
    });
    uninstallFirst();
    expect(Socket.prototype.connect).toBe(theirs);
    // Our wrapper is still underneath theirs but no longer judges.
    expect(await rawConnectError(netConnect(port, '127.0.0.1'))).toBeUndefined();
    expect(first.blocks).toEqual([]);

    const second = guardWith({});
    cleanups.push(installSocketGuard(second.guard));
    expect(await rawConnectError(netConnect(port, '127.0.0.1'))).toBeInstanceOf(EgressDeniedError);
    expect(second.blocks).toHaveLength(1);
  });

  it('restores the global dispatcher it replaced', () => {
    const { guard } = guardWith({});
    const uninstall = guardGlobalDispatcher(guard);
    expect(getGlobalDispatcher()).not.toBe(originalDispatcher);
    uninstall();
    expect(getGlobalDispatcher()).toBe(originalDispatcher);
  });
});

describe('Node 20 built-in fetch', () => {
  it('is guarded even when it ran before npm undici was loaded', async () => {
    const child = spawnTs(
      fileURLToPath(new URL('./fixtures/egress/fetch-before-undici.ts', import.meta.url)),
    );
    cleanups.push(() => child.kill('SIGKILL'));
    const line = await child.waitForLine((text) => text.startsWith('{'));
    expect(JSON.parse(line)).toEqual({
      bundledOnly: true,
      first: 'ok',
      refused: 'TypeError: EgressDeniedError',
      after: 'ok',
      layers: ['dispatcher'],
    });
    expect(await child.exited).toBe(0);
  });
});
