import { describe, expect, it } from 'vitest';
import { mergeFeedIds, mergeNewestFirst } from './feed-merge.ts';
import { createRng } from '../../lib/random/prng.ts';


const newer = (a: number, b: number): boolean => a > b;

describe('mergeNewestFirst', () => {
  it('equals sorting the union and truncating, on generated inputs', () => {
    const rng = createRng(42);
    const random = () => rng.nextFloat();
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

describe('mergeFeedIds', () => {
  it('merges the feed list with celebrity lists newest first and drops duplicates', () => {
    const feed = ['90', '70', '50', '30'];
    const celebrityA = ['95', '70', '10'];
    const celebrityB = ['80', '60'];
    expect(mergeFeedIds([feed, celebrityA, celebrityB], 10)).toEqual({ ids: ['95', '90', '80', '70', '60', '50', '30', '10'] });
  });

  it('pages by ID: the cursor is the last ID and the next page starts below it', () => {
    const sources = [['90', '70', '50', '30'], ['95', '60', '10']];
    const first = mergeFeedIds(sources, 3);
    expect(first).toEqual({ ids: ['95', '90', '70'], nextBefore: '70' });
    const second = mergeFeedIds(sources, 3, first.nextBefore);
    expect(second).toEqual({ ids: ['60', '50', '30'], nextBefore: '30' });
    expect(mergeFeedIds(sources, 3, second.nextBefore)).toEqual({ ids: ['10'] });
  });

  it('orders a feed list whose push order interleaves IDs from different shards', () => {
    expect(mergeFeedIds([['50', '55', '40']], 5).ids).toEqual(['55', '50', '40']);
  });

  it('equals sorting the deduplicated union on generated inputs, with exact 64-bit comparison', () => {
    const rng = createRng(7);
    const random = () => rng.nextFloat();
    const base = 9_007_199_254_740_000n;
    for (let round = 0; round < 100; round++) {
      const sources = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
        Array.from({ length: Math.floor(random() * 20) }, () => (base + BigInt(Math.floor(random() * 200))).toString()),
      );
      const limit = 1 + Math.floor(random() * 30);
      const union = [...new Set(sources.flat())].sort((a, b) => (BigInt(a) > BigInt(b) ? -1 : 1));
      const page = mergeFeedIds(sources, limit);
      expect(page.ids).toEqual(union.slice(0, limit));
      expect(page.nextBefore).toBe(union.length > limit ? union[limit - 1] : undefined);
    }
  });
});
