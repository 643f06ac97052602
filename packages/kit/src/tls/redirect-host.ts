import { isIPv4, isIPv6 } from 'node:net';

// A DNS label; underscores are let through because container names carry them, and they cannot
// change how a URL or a header is read.
const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
const PORT = /^[0-9]{1,5}$/;

/**
 * The host part of a redirect's Location: the Host header's host when it is a well-formed DNS
 * name or IP address (its port dropped: the redirect names the HTTPS port), otherwise the
 * listener's host, or `localhost` when the listener is bound to every address.
 */
export function redirectHost(hostHeader: string | undefined, listenerHost: string): string {
  return (hostHeader !== undefined && validHost(hostHeader)) || fallback(listenerHost);
}

/** The host of a Host header value, ready for a URL (IPv6 in brackets), or undefined. */
function validHost(value: string): string | undefined {
  if (value.length === 0 || value.length > 261) return undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    const address = value.slice(1, end);
    const rest = value.slice(end + 1);
    if (end < 0 || !isIPv6(address)) return undefined;
    if (rest !== '' && !(rest.startsWith(':') && PORT.test(rest.slice(1)))) return undefined;
    return `[${address.toLowerCase()}]`;
  }
  const colon = value.indexOf(':');
  const host = colon < 0 ? value : value.slice(0, colon);
  if (colon >= 0 && !PORT.test(value.slice(colon + 1))) return undefined;
  if (isIPv4(host)) return host;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253) return undefined;
  const labels = name.split('.');
  // An all-digit last label is no DNS name (RFC 3696 2) but a malformed address: 10.0.0.300.
  if (/^[0-9]+$/.test(labels.at(-1) ?? '')) return undefined;
  return labels.every((label) => LABEL.test(label)) ? name.toLowerCase() : undefined;
}

function fallback(listenerHost: string): string {
  if (listenerHost === '' || listenerHost === '0.0.0.0' || listenerHost === '::') {
    return 'localhost';
  }
  return isIPv6(listenerHost) ? `[${listenerHost}]` : listenerHost;
}
