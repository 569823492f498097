import { describe, expect, it } from 'vitest';
import { createRng, fnv1a32, mix32 } from './prng.ts';

function draw(rng: { nextUint32(): number }, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

describe('createRng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(createRng(42), 1000)).toEqual(draw(createRng(42), 1000));
  });

  it('gives different sequences for different seeds, including neighbouring ones', () => {
    const a = draw(createRng(1), 100);
    const b = draw(createRng(2), 100);
    expect(a).not.toEqual(b);
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(3);
  });

  it('pins the first outputs of seed 1 so the stream never drifts silently', () => {
    // Changing the generator changes every seeded dataset and request stream; this must be deliberate.
    expect(draw(createRng(1), 3)).toMatchInlineSnapshot(`
      [
        2420951833,
        2513034076,
        3847892949,
      ]
    `);
  });

  it('folds seeds above 2^32 and negative seeds into distinct streams', () => {
    const low = draw(createRng(5), 10);
    expect(draw(createRng(5 + 2 ** 32), 10)).not.toEqual(low);
    expect(draw(createRng(-5), 10)).not.toEqual(low);
    expect(() => createRng(1.5)).toThrow(RangeError);
  });

  it('returns floats in [0, 1) with a mean near one half', () => {
    const rng = createRng(7);
    const xs = Array.from({ length: 100_000 }, () => rng.nextFloat());
    expect(xs.filter((x) => !(x >= 0 && x < 1))).toEqual([]);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 2);
  });

  it('returns integers in [0, max) with every value about equally likely', () => {
    const rng = createRng(9);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.nextInt(10)]! += 1;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000); // every draw landed in 0..9
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => rng.nextInt(0)).toThrow(RangeError);
    expect(rng.nextInt(1)).toBe(0);
  });

  it('forks children that depend on the label and key, not on earlier draws', () => {
    const parent = createRng(3);
    const before = draw(parent.fork('users'), 20);
    draw(parent, 500);
    expect(draw(parent.fork('users'), 20)).toEqual(before);
    expect(draw(parent.fork('media'), 20)).not.toEqual(before);
    expect(draw(createRng(4).fork('users'), 20)).not.toEqual(before);
    expect(draw(parent.fork('users').fork('x'), 20)).not.toEqual(draw(parent.fork('x'), 20));
  });
});

describe('hash helpers', () => {
  it('fnv1a32 matches the published FNV-1a test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('mix32 maps distinct inputs to distinct outputs over a range', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(mix32(i));
    expect(seen.size).toBe(10_000);
  });
});
