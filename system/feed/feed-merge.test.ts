import { describe, expect, it } from 'vitest';
import { mergeNewestFirst } from './feed-merge.ts';

/** Seeded PRNG (mulberry32) so the generated cases are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const newer = (a: number, b: number): boolean => a > b;

describe('mergeNewestFirst', () => {
  it('equals sorting the union and truncating, on generated inputs', () => {
    const random = prng(42);
    for (let round = 0; round < 200; round++) {
      const k = Math.floor(random() * 12);
      const sources = Array.from({ length: k }, () =>
        Array.from({ length: Math.floor(random() * 30) }, () => Math.floor(random() * 1000)).sort((a, b) => b - a),
      );
      const limit = 1 + Math.floor(random() * 60);
      const expected = sources.flat().sort((a, b) => b - a).slice(0, limit);
      expect(mergeNewestFirst(sources, limit, newer)).toEqual(expected);
    }
  });

  it('stops at the limit without reading the rest of the sources', () => {
    const reads: number[] = [];
    const source = new Proxy([9, 8, 7, 6, 5, 4, 3, 2, 1], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(Number(key));
        return Reflect.get(target, key, receiver);
      },
    });
    expect(mergeNewestFirst([source], 3, newer)).toEqual([9, 8, 7]);
    expect(Math.max(...reads)).toBeLessThanOrEqual(3);
  });

  it('returns nothing for no sources or only empty ones', () => {
    expect(mergeNewestFirst([], 10, newer)).toEqual([]);
    expect(mergeNewestFirst([[], []], 10, newer)).toEqual([]);
  });
});
