import { describe, expect, it } from 'vitest';
import {
  addressKey,
  HandshakeSlots,
  MAX_PENDING_HANDSHAKES,
  MAX_PENDING_PER_ADDRESS,
} from './handshake-slots.js';

describe('addressKey', () => {
  it('keeps IPv4 addresses, and IPv4-mapped IPv6 ones as IPv4', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('groups IPv6 addresses by /64, whatever their spelling', () => {
    const key = '2001:db8:1:2::/64';
    for (const ip of [
      '2001:db8:1:2::1',
      '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:db8:1:2:a:b:c:d',
      '2001:db8:1:2::1.2.3.4',
      '2001:db8:1:2::9%eth0',
    ]) {
      expect(addressKey(ip)).toBe(key);
    }
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::')).toBe('0:0:0:0::/64');
  });

  it('leaves anything else as it is', () => {
    expect(addressKey('not an address')).toBe('not an address');
    expect(addressKey('')).toBe('');
  });
});

describe('HandshakeSlots', () => {
  it('caps pending handshakes per address; other addresses still get in', () => {
    const slots = new HandshakeSlots({ perAddress: 2, total: 10 });
    const a1 = slots.acquire('2001:db8::1');
    const a2 = slots.acquire('2001:db8::2');
    expect(a1.ok && a2.ok).toBe(true);
    // Same /64, another address in it: still the same budget.
    expect(slots.acquire('2001:db8::ffff')).toEqual({ ok: false, refused: 'address' });
    expect(slots.acquire('2001:db8:0:1::1').ok).toBe(true);
    expect(slots.acquire('198.51.100.1').ok).toBe(true);
    expect(slots.heldBy('2001:db8::99')).toBe(2);
    // A released slot is free again; releasing twice frees only one.
    if (!a1.ok) throw new Error('unreachable');
    a1.release();
    a1.release();
    expect(slots.heldBy('2001:db8::1')).toBe(1);
    expect(slots.size).toBe(3);
    expect(slots.acquire('2001:db8::3').ok).toBe(true);
    expect(slots.acquire('2001:db8::4')).toEqual({ ok: false, refused: 'address' });
  });

  it('caps pending handshakes in all', () => {
    const slots = new HandshakeSlots({ perAddress: 2, total: 3 });
    expect(slots.acquire('198.51.100.1').ok).toBe(true);
    expect(slots.acquire('198.51.100.2').ok).toBe(true);
    expect(slots.acquire('198.51.100.3').ok).toBe(true);
    expect(slots.acquire('198.51.100.4')).toEqual({ ok: false, refused: 'total' });
  });

  it('with the defaults, holding every slot takes 250 addresses (or IPv6 /64s), not a few', () => {
    expect(MAX_PENDING_PER_ADDRESS).toBe(4);
    const slots = new HandshakeSlots();
    let addresses = 0;
    for (let prefix = 0; slots.size < MAX_PENDING_HANDSHAKES; prefix++) {
      addresses++;
      // Each attacker address tries far more than its share: whole /64s, many hosts in each.
      for (let host = 1; host <= 50; host++) {
        const result = slots.acquire(`2001:db8:${prefix.toString(16)}:1::${host.toString(16)}`);
        if (!result.ok) {
          expect(result.refused).toBe('address');
          break;
        }
      }
    }
    expect(addresses).toBe(MAX_PENDING_HANDSHAKES / MAX_PENDING_PER_ADDRESS);
    expect(() => new HandshakeSlots({ perAddress: 0 })).toThrow(RangeError);
  });
});
