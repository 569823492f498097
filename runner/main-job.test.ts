import { describe, expect, it } from 'vitest';
import { interleave, loadOrder, streamSeed } from './main-job.ts';

describe('the order of runs', () => {
  it('interleaves configurations within each repeat (A B A B) so machine drift hits both alike', () => {
    expect(interleave(['A', 'B'], 2).map((o) => `${o.configuration}${o.repeat}`)).toEqual(['A0', 'B0', 'A1', 'B1']);
  });

  it('loads an alternating duet A B, then B A, and keeps the given order otherwise', () => {
    expect([0, 1, 2, 3].map((r) => loadOrder(2, r, 'alternating').join(''))).toEqual(['01', '10', '01', '10']);
    expect([0, 1].map((r) => loadOrder(2, r, true).join(''))).toEqual(['01', '01']);
    expect(loadOrder(1, 1, false)).toEqual([0]);
  });

  it('gives every configuration of a repeat the same request stream, and each repeat its own', () => {
    expect(streamSeed(2011, 0)).toBe(streamSeed(2011, 0));
    expect(streamSeed(2011, 1)).not.toBe(streamSeed(2011, 0));
    expect(streamSeed(2012, 0)).not.toBe(streamSeed(2011, 0));
    for (const seed of [0, 1, 2 ** 31 - 1]) expect(Number.isSafeInteger(streamSeed(seed, 49))).toBe(true);
  });
});
