/**
 * Slots for pending password-access handshakes (one WebSocket connection = one handshake, from
 * the upgrade until the socket closes), so that a few client addresses cannot hold every slot
 * while the server waits for their frames:
 *
 * 1. at most `perAddress` pending handshakes per client address (`addressKey`), refused
 *    (`address`) beyond that;
 * 2. at most `total` pending handshakes in all (per server process), refused (`total`) beyond.
 *
 * The address of an IPv6 client is its /64 prefix: one host, or one customer of a provider,
 * commonly holds a whole /64, so per-address counting of full IPv6 addresses would give it an
 * unlimited number of "addresses". IPv4 (and IPv4-mapped IPv6) addresses count one by one.
 * With the defaults, holding all `total` slots takes `total / perAddress` (250) distinct IPv4
 * addresses or IPv6 /64s, each slot held at most for the handler's timeouts (30 s of silence).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Pending password-access handshakes per client address (IPv4 address or IPv6 /64). */
export const MAX_PENDING_PER_ADDRESS = 4;
/** Pending password-access handshakes in all (per server process). */
export const MAX_PENDING_HANDSHAKES = 1000;

/** The eight 16-bit groups of an IPv6 address (no zone), or undefined if it is not one. */
function ipv6Groups(ip: string): number[] | undefined {
  const address = ip.split('%')[0] ?? '';
  if (!isIPv6(address)) return undefined;
  let text = address.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) becomes two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = [
    ...headGroups,
    ...(rest === undefined ? [] : Array.from({ length: missing }, () => '0')),
    ...restGroups,
  ].map((group) => Number.parseInt(group, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

/**
 * The key a client address counts under: an IPv4 address as it is (also when written as an
 * IPv4-mapped IPv6 address), an IPv6 address as its /64 prefix (`2001:db8:0:1::/64`), anything
 * else as it is.
 */
export function addressKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (groups === undefined) return ip;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

export type SlotRefusal = 'address' | 'total';

export interface HandshakeSlotsOptions {
  perAddress?: number;
  total?: number;
}

/** Counts pending handshakes per address and in all; `acquire` before the upgrade. */
export class HandshakeSlots {
  readonly perAddress: number;
  readonly total: number;
  readonly #byAddress = new Map<string, number>();
  #size = 0;

  constructor(options: HandshakeSlotsOptions = {}) {
    this.perAddress = options.perAddress ?? MAX_PENDING_PER_ADDRESS;
    this.total = options.total ?? MAX_PENDING_HANDSHAKES;
    for (const value of [this.perAddress, this.total]) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError('Handshake slot limits must be positive integers.');
      }
    }
  }

  /** Takes a slot for `ip`, or says why not. `release` gives it back (once; later calls do nothing). */
  acquire(ip: string): { ok: true; release: () => void } | { ok: false; refused: SlotRefusal } {
    const key = addressKey(ip);
    const held = this.#byAddress.get(key) ?? 0;
    if (held >= this.perAddress) return { ok: false, refused: 'address' };
    if (this.#size >= this.total) return { ok: false, refused: 'total' };
    this.#byAddress.set(key, held + 1);
    this.#size += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#size -= 1;
        const left = (this.#byAddress.get(key) ?? 1) - 1;
        if (left > 0) this.#byAddress.set(key, left);
        else this.#byAddress.delete(key);
      },
    };
  }

  /** Pending handshakes in all. */
  get size(): number {
    return this.#size;
  }

  /** Pending handshakes counted under `ip`'s address key. */
  heldBy(ip: string): number {
    return this.#byAddress.get(addressKey(ip)) ?? 0;
  }
}
