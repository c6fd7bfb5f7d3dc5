/**
 * Which origins a login may be signed for (the relay protection of `auth.response` v2,
 * docs/server.md "Server proof and login binding").
 *
 * A client signs the origin it connected to (`scheme://host[:port]`). The server accepts:
 *  1. every configured public URL (`--public-url` / `BACKBONE_PUBLIC_URL`), e.g. the address of
 *     the TLS reverse proxy in front of it;
 *  2. the address this request's connection arrived at: `http://<local address>:<local port>`
 *     (`https` on a TLS socket; IPv6 in brackets; an IPv4-mapped IPv6 address as plain IPv4),
 *     and `localhost` on that port when the address is a loopback one.
 * The Host header is NOT used: a relay chooses what it sends, so it would vouch for itself. A
 * relay on another host or port makes the client sign the relay's origin, which is none of these.
 */
import type { ServerConfig } from '../config.js';

export interface ConnectionAddress {
  localAddress?: string | undefined;
  localPort?: number | undefined;
  encrypted?: boolean | undefined;
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The origins a login arriving over `connection` may name. */
export function acceptedOrigins(
  config: Pick<ServerConfig, 'publicUrls'>,
  connection: ConnectionAddress,
): string[] {
  const origins = new Set(config.publicUrls);
  const port = connection.localPort;
  let address = connection.localAddress;
  if (address !== undefined && address !== '' && port !== undefined && port > 0) {
    address = address.replace(/^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i, '$1');
    const scheme = connection.encrypted === true ? 'https' : 'http';
    const hosts = [address.includes(':') ? `[${address}]` : address];
    if (isLoopback(address)) hosts.push('localhost');
    for (const host of hosts) {
      try {
        origins.add(new URL(`${scheme}://${host}:${port}`).origin);
      } catch {
        // not a usable address: nothing to accept for it
      }
    }
  }
  return [...origins];
}
