import { describe, expect, it } from 'vitest';
import { RequestTiming, TIMING_KINDS } from './request-timing.ts';

describe('RequestTiming', () => {
  it('reports every backend in TIMING_KINDS order with two decimals, untouched ones as 0.00', async () => {
    const timing = new RequestTiming();
    expect(timing.header()).toBe(TIMING_KINDS.map((kind) => `${kind};dur=0.00`).join(', '));
    timing.add('redis', 0.304);
    timing.add('redis', 1);
    timing.add('s3', 0.001);
    await timing.measure('cache', () => new Promise((resolve) => setTimeout(resolve, 5)));
    expect(timing.header()).toMatch(/^pg;dur=0\.00, redis;dur=1\.30, cache;dur=\d+\.\d\d, s3;dur=0\.00$/);
    expect(timing.ms.cache).toBeGreaterThanOrEqual(4);
  });
});
