import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../lib/errors.ts';
import { loadRunConfig } from './run-config.ts';
import { parseInjection, POWER_BASELINE, powerJobOverrides } from './gate-jobs.ts';

describe('power jobs', () => {
  it('turns feed-read:+20ms into a candidate with injectFeedReadDelayMs 20, with or without a space', () => {
    expect(parseInjection('feed-read:+20ms')).toEqual(parseInjection('feed-read:+20 ms'));
    expect(parseInjection('feed-read:+20ms')).toEqual({
      name: 'feed-read-plus-20ms',
      description: 'injected regression: 20 ms added to every feed read',
      stack: { injectFeedReadDelayMs: 20 },
    });
    expect(parseInjection('feed-read:+2 queries').stack).toEqual({ injectFeedReadExtraQueries: 2 });
    expect([parseInjection('feed-read:+1 query').name, parseInjection('feed-read:+2 queries').name]).toEqual(['feed-read-plus-1-query', 'feed-read-plus-2-queries']);
  });

  it('rejects anything else with CFG_ERR_INVALID naming the accepted forms', () => {
    let caught: unknown;
    try {
      parseInjection('feed-read:20ms');
    } catch (err) {
      caught = err;
    }
    expect(isFeedscaleError(caught) && caught.code).toBe('CFG_ERR_INVALID');
    expect((caught as Error).message).toBe('--inject must be feed-read:+N ms or feed-read:+N queries, got "feed-read:20ms"');
  });

  it('gives a run configuration the main job accepts: the base stack first, then the injected one', () => {
    const { configurations } = loadRunConfig({ ...powerJobOverrides(parseInjection('feed-read:+20ms')), repeats: 6 });
    expect(configurations.map((c) => c.name)).toEqual([POWER_BASELINE, 'feed-read-plus-20ms']);
  });
});
