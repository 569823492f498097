import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashRing, md5Word0 } from './hash-ring.ts';

const servers = (n: number): string[] => Array.from({ length: n }, (_, i) => `memcached-${i}:11211`);
const keys = Array.from({ length: 20_000 }, (_, i) => `media:${1_000_000_007 * (i + 1)}`);

describe('HashRing', () => {
  it('sends a key to the same server every time, whatever order the servers are listed in', () => {
    const a = new HashRing(servers(6));
    const b = new HashRing([...servers(6)].reverse());
    for (const key of keys.slice(0, 2000)) expect(b.serverFor(key)).toBe(a.serverFor(key));
  });

  it('spreads keys over six servers within 25% of an even share', () => {
    const ring = new HashRing(servers(6));
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(ring.serverFor(key), (counts.get(ring.serverFor(key)) ?? 0) + 1);
    expect(counts.size).toBe(6);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan((keys.length / 6) * 0.75);
      expect(count).toBeLessThan((keys.length / 6) * 1.25);
    }
  });

  it('moves only the removed server\'s keys when a server leaves', () => {
    const before = new HashRing(servers(6));
    const after = new HashRing(servers(6).filter((s) => s !== 'memcached-3:11211'));
    for (const key of keys) {
      const was = before.serverFor(key);
      if (was !== 'memcached-3:11211') expect(after.serverFor(key)).toBe(was);
    }
  });

  it('takes about a seventh of the keys when a seventh server joins, all of them onto the new one', () => {
    const before = new HashRing(servers(6));
    const after = new HashRing(servers(7));
    let moved = 0;
    for (const key of keys) {
      if (after.serverFor(key) !== before.serverFor(key)) {
        moved++;
        expect(after.serverFor(key)).toBe('memcached-6:11211');
      }
    }
    expect(moved / keys.length).toBeGreaterThan(0.1);
    expect(moved / keys.length).toBeLessThan(0.2);
  });

  it('sends every key to the only server of a one-server ring', () => {
    const ring = new HashRing(['only:11211']);
    for (const key of keys.slice(0, 500)) expect(ring.indexFor(key)).toBe(0);
  });

  it('hashes keys with MD5 as ketama does, short ASCII keys in JS and any other key through node:crypto', () => {
    const samples = [...keys, '', 'a', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(300), 'user:ünï', 'media:📷', ...Array.from({ length: 64 }, (_, n) => 'k'.repeat(n))];
    for (const key of samples) expect(md5Word0(key), key).toBe(createHash('md5').update(key).digest().readUInt32LE(0));
  });

  it('rejects an empty or duplicated server list', () => {
    expect(() => new HashRing([])).toThrow(/at least one/);
    expect(() => new HashRing(['a:1', 'a:1'])).toThrow(/distinct/);
  });
});
