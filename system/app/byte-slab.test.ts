import { describe, expect, it } from 'vitest';
import { ByteSlab } from './byte-slab.ts';

describe('ByteSlab', () => {
  it('cuts disjoint, 8-byte aligned buffers from one slab and starts a new slab when one is full', () => {
    const slab = new ByteSlab(64);
    const a = slab.alloc(5);
    const b = slab.alloc(3);
    expect([a.length, b.length]).toEqual([5, 3]);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset - a.byteOffset).toBe(8);
    a.fill(1);
    b.fill(2);
    expect([...a, ...b]).toEqual([1, 1, 1, 1, 1, 2, 2, 2]);
    const rest = Array.from({ length: 7 }, () => slab.alloc(8));
    expect(rest.map((r) => r.buffer === a.buffer)).toEqual([true, true, true, true, true, true, false]);
    // Each buffer cut from the old slab keeps its bytes.
    expect([...a, ...b]).toEqual([1, 1, 1, 1, 1, 2, 2, 2]);
  });

  it('gives buffers over an eighth of a slab an allocation of their own', () => {
    const slab = new ByteSlab(64);
    const small = slab.alloc(8);
    const big = slab.alloc(9);
    expect(big.buffer).not.toBe(small.buffer);
    expect(big.length).toBe(9);
  });

  it('concatenates like Buffer.concat', () => {
    const slab = new ByteSlab();
    const chunks = [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cdé')];
    expect(slab.concat(chunks).equals(Buffer.concat(chunks))).toBe(true);
  });
});
