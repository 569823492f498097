import { describe, expect, it } from 'vitest';
import { cacheCapacityItems, memcachedItemBytes } from './cache-capacity.ts';

describe('cache capacity', () => {
  it('rounds an item up to its memcached slab chunk (96, 120, 152, 192, ...)', () => {
    expect(memcachedItemBytes({ keyBytes: 10, valueBytes: 10 })).toBe(96);
    expect(memcachedItemBytes({ keyBytes: 10, valueBytes: 100 })).toBe(192);
  });

  it('divides usable memory by bytes per item', () => {
    expect(cacheCapacityItems(1024 * 1024 * 1024, 192, 0.9)).toBe(Math.floor((1024 ** 3 * 0.9) / 192));
    expect(() => cacheCapacityItems(1, 0)).toThrow(RangeError);
  });
});
