import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, Socket, type TcpSocketConnectOpts } from 'node:net';
import { GateError } from '../errors.js';
import type { EgressGuard } from './guard.js';

/**
 * Layer two of in-process egress: every TCP connect this process makes (net, tls, node:http,
 * undici, database drivers written in JavaScript) is judged AFTER DNS resolution, on the address
 * it is about to reach, together with the name it was asked for, so the policy's rebinding rule
 * applies (a permitted name that resolves to 169.254.169.254 is refused).
 *
 * Why a monkey-patch of net.Socket.prototype.connect: it is the one in-process choke point every
 * JavaScript TCP client passes through (net.connect, tls.connect and http.Agent all call it), and
 * Node offers no API that can veto a connection. diagnostics_channel (`net.client.socket`) and
 * async_hooks only observe, after the connect has started; `--permission` has no network scope on
 * Node 20; a custom undici dispatcher covers undici only. Wrapping connect lets a name be checked
 * inside the `lookup` step, between resolution and the SYN, which no other hook reaches.
 *
 * What it does not cover: child processes (their own runtime, their own sockets), native addons
 * and anything else that opens sockets below libuv's JavaScript surface (a C PostgreSQL driver,
 * a QUIC/UDP library), UDP (dgram), and code that captured the original connect before the
 * install. Connections already open when it is installed (a keep-alive pool) are not judged
 * again, so install it before the first outbound call. That is why a kernel layer exists too: the nftables ruleset (render-nftables.ts) on a
 * host or in a pod's network namespace, and the NetworkPolicy (render-networkpolicy.ts) in a
 * cluster. This layer gives precise, named errors; the kernel layers are the ones that hold.
 */
export function installSocketGuard(guard: EgressGuard): () => void {
  if (installation && installation.guard !== guard) {
    throw new GateError(
      'BW_EGRESS_GUARD_CONFLICT',
      500,
      'a different egress guard is already installed on net.Socket; uninstall it first',
    );
  }
  if (!installation) {
    const original = Socket.prototype.connect;
    const patched = guardedConnect(original);
    Socket.prototype.connect = patched;
    installation = { guard, original, patched, holders: 0 };
  }
  const current = installation;
  current.holders += 1;
  let held = true;
  // Idempotent: installing the same guard again adds a holder; the patch leaves with the last.
  return () => {
    if (!held) return;
    held = false;
    current.holders -= 1;
    if (current.holders > 0 || installation !== current) return;
    installation = undefined;
    // Someone who wrapped connect after us keeps their wrapper; ours then passes straight
    // through, because it finds no installation.
    if (Socket.prototype.connect === current.patched) Socket.prototype.connect = current.original;
  };
}

/** Whether a socket guard is installed in this process. */
export function socketGuardInstalled(): boolean {
  return installation !== undefined;
}

type Connect = typeof Socket.prototype.connect;

interface Installation {
  readonly guard: EgressGuard;
  readonly original: Connect;
  readonly patched: Connect;
  holders: number;
}

let installation: Installation | undefined;

function guardedConnect(original: Connect): Connect {
  return function connect(this: Socket, ...args: unknown[]): Socket {
    // Only the installed wrapper judges: one left behind under someone else's wrapper after an
    // uninstall must not judge again (twice) when a guard is installed anew.
    const guard = installation?.patched === connect ? installation.guard : undefined;
    const target = guard ? tcpTarget(args) : undefined;
    if (!guard || !target) return Reflect.apply(original, this, args);
    const { options, callback } = target;
    // Node connects to `localhost` when no host is given.
    const host = options.host || 'localhost';
    const port = Number(options.port);
    // An invalid port: Node's own validation throws the error callers expect.
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      return Reflect.apply(original, this, args);
    }
    if (isIP(host) !== 0) {
      try {
        guard.assert({ address: host, port }, 'socket');
      } catch (error) {
        // Fail the way a refused connect fails: asynchronously, through 'error' and 'close'.
        process.nextTick(() => this.destroy(error as Error));
        return this;
      }
      return Reflect.apply(original, this, args);
    }
    const guarded: TcpSocketConnectOpts = {
      ...options,
      lookup: guardedLookup(guard, options.lookup ?? dnsLookup, port),
    };
    return callback
      ? Reflect.apply(original, this, [guarded, callback])
      : Reflect.apply(original, this, [guarded]);
  } as Connect;
}

/**
 * The TCP options and callback of a connect call, or undefined for an IPC (path) connect.
 * Socket#connect takes (options[, cb]), (path[, cb]), (port[, host][, cb]), or the
 * already-normalized [options, cb] array net.connect and http pass; node:net does not export
 * its normalizer, so this mirrors it.
 */
function tcpTarget(
  args: readonly unknown[],
): { options: TcpSocketConnectOpts; callback?: () => void } | undefined {
  const [first, second] = args;
  const last = args.at(-1);
  let options: TcpSocketConnectOpts & { path?: unknown };
  let callback = typeof last === 'function' ? (last as () => void) : undefined;
  if (Array.isArray(first)) {
    options = first[0] as typeof options;
    callback = typeof first[1] === 'function' ? (first[1] as () => void) : undefined;
  } else if (first !== null && typeof first === 'object') {
    options = first as typeof options;
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return undefined;
  } else {
    options = { port: Number(first), host: typeof second === 'string' ? second : undefined };
  }
  if (!options || options.path) return undefined;
  return { options, callback };
}

/**
 * Wraps the connect's lookup so every address the name resolved to is judged with the name.
 * One refused address fails the whole lookup: a name that answers with both a public and a
 * metadata address is being rebound, and letting the connect pick the "good" one would leave
 * the choice to whoever controls the DNS answer.
 */
function guardedLookup(guard: EgressGuard, lookup: LookupFunction, port: number): LookupFunction {
  return (hostname: string, dnsOptions: LookupOptions, callback) => {
    lookup(hostname, dnsOptions, (error, address, family) => {
      if (error) {
        callback(error, address, family);
        return;
      }
      const addresses = Array.isArray(address)
        ? (address as LookupAddress[]).map((entry) => entry.address)
        : [address as string];
      try {
        for (const resolved of addresses) {
          guard.assert({ host: hostname.toLowerCase(), address: resolved, port }, 'socket');
        }
      } catch (denied) {
        callback(denied as NodeJS.ErrnoException, address, family);
        return;
      }
      callback(null, address, family);
    });
  };
}
