import { describe, expect, it } from 'vitest';
import { createRequestGenerator } from '../../requests/request-generator.ts';
import type { Population } from '../../workload/population-schema.ts';
import { buildRequestStream, createSeekingSource, generatorOptionsFor } from './request-stream.ts';

const population: Population = {
  userIds: Array.from({ length: 50 }, (_, i) => String(1_000_000 + i)),
  mediaIds: Array.from({ length: 80 }, (_, i) => String(2_000_000 + i)),
  hotMediaIds: ['2000079', '2000078'],
  celebrityUserIds: ['1000049'],
};
const plan = {
  mix: { 'feed.read': 0.6, 'media.read': 0.1, 'media.like': 0.1, 'follow.create': 0.1, 'upload.start': 0.05, 'user.create': 0.05 },
  targeting: { activityExponent: 0.6, likeTargetExponent: 1, followTargetExponent: 1.1 },
};

describe('request stream', () => {
  it('gives request i as the i-th output of createRequestGenerator with the same options', () => {
    const options = generatorOptionsFor(plan, population, 42);
    const reference = createRequestGenerator(options);
    const expected = Array.from({ length: 500 }, () => reference.next());
    expect(buildRequestStream(options, 500)).toEqual(expected);
  });

  it('derives the generator options from a plan the way the open-loop job does', () => {
    expect(generatorOptionsFor(plan, population, 7)).toEqual({ ...plan.targeting, seed: 7, mix: plan.mix, population });
  });

  it('seeks to scattered indices, forwards and backwards, like a k6 VU sees them', () => {
    const options = generatorOptionsFor(plan, population, 3);
    const table = buildRequestStream(options, 300);
    const source = createSeekingSource(options);
    for (const i of [0, 3, 17, 18, 40, 299, 5, 5, 6, 250]) expect(source.at(i)).toEqual(table[i]);
  });
});
