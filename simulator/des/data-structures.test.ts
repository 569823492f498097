import { describe, expect, it } from 'vitest';
import { createRng } from '../../lib/random/prng.ts';
import { IndexedMinHeap } from './indexed-min-heap.ts';
import { IntFifo } from './int-fifo.ts';
import { MinHeap } from './min-heap.ts';

describe('MinHeap', () => {
  it('pops 10,000 random keys in sorted order with their values and auxes', () => {
    const rng = createRng(5);
    const heap = new MinHeap(2);
    const keys: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const key = rng.nextFloat();
      keys.push(key);
      heap.push(key, i, 7 * i + 1);
    }
    const sorted = keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0]);
    for (const [key, index] of sorted) {
      expect(heap.peekKey()).toBe(key);
      expect(heap.peekValue()).toBe(index);
      expect(heap.peekAux()).toBe(7 * index + 1);
      heap.pop();
    }
    expect(heap.size).toBe(0);
  });
});

describe('IntFifo', () => {
  it('returns values first in, first out across growth and wrap-around', () => {
    const fifo = new IntFifo(2);
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3; i++) {
        fifo.push(next);
        expected.push(next++);
      }
      for (let i = 0; i < 2; i++) expect(fifo.shift()).toBe(expected.shift());
    }
    expect(fifo.size).toBe(expected.length);
  });
});

describe('IndexedMinHeap', () => {
  it('keeps the smallest key on top through 20,000 random sets and removals', () => {
    const rng = createRng(9);
    const ids = 50;
    const heap = new IndexedMinHeap(ids);
    const keys = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      const id = rng.nextInt(ids);
      if (rng.nextFloat() < 0.3) {
        heap.remove(id);
        keys.delete(id);
      } else {
        const key = rng.nextFloat();
        heap.set(id, key);
        keys.set(id, key);
      }
      expect(heap.size).toBe(keys.size);
      if (keys.size === 0) {
        expect(heap.peekKey()).toBe(Infinity);
        continue;
      }
      const min = Math.min(...keys.values());
      expect(heap.peekKey()).toBe(min);
      expect(keys.get(heap.peekId())).toBe(min);
    }
  });
});
