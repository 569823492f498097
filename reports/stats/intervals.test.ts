import { describe, expect, it } from 'vitest';
import { compareRepeats, logMeanInterval, MIN_REPEATS_FOR_VERDICT, rateInterval } from './intervals.ts';

const repeats = (values: readonly number[], from = 0) => new Map(values.map((v, i) => [from + i, v]));

// Reference numbers from numpy/scipy (t.ppf on the same logs), worked in docs/statistics.md's notation.
describe('compareRepeats', () => {
  it('gives the paired t-interval of the mean log ratio when repeats ran back to back', () => {
    const r = compareRepeats(repeats([50, 52, 49]), repeats([60, 63, 58]), { paired: true });
    expect(r.method).toBe('paired-t');
    expect(r.pairs).toBe(3);
    expect(r.df).toBe(2);
    expect(r.ratio).toBeCloseTo(1.1983493789344148, 12);
    expect(r.ci!.low).toBeCloseTo(1.1640356285509728, 9);
    expect(r.ci!.high).toBeCloseTo(1.233674639134651, 9);
  });

  it('gives Welch\'s t-interval on the logs when the repeats are not paired', () => {
    const r = compareRepeats(repeats([50, 52, 49, 51]), repeats([60, 66, 58]), { paired: false });
    expect(r.method).toBe('welch-t');
    expect(r.pairs).toBe(0);
    expect(r.df).toBeCloseTo(2.4415498471582566, 9);
    expect(r.ratio).toBeCloseTo(1.2129870346259768, 12);
    expect(r.ci!.low).toBeCloseTo(1.0459639073478355, 8);
    expect(r.ci!.high).toBeCloseTo(1.4066809914134322, 8);
  });

  it('cancels drift shared by a pair, which an unpaired interval cannot', () => {
    const drift = [0.8, 0.9, 1.0, 1.1, 1.2];
    const base = repeats(drift.map((f) => 50 * f));
    const cand = repeats(drift.map((f, i) => 55 * f * (1 + 0.002 * (i % 2))));
    const paired = compareRepeats(base, cand, { paired: true });
    const unpaired = compareRepeats(base, cand, { paired: false });
    expect(paired.ci!.high - paired.ci!.low).toBeLessThan(0.01);
    expect(unpaired.ci!.high - unpaired.ci!.low).toBeGreaterThan(0.2);
  });

  it('pairs only the repeats both sides have and falls back to Welch below the minimum of pairs', () => {
    const base = repeats([50, 51, 52, 49]);
    const paired = compareRepeats(base, new Map([[0, 60], [1, 61], [3, 59], [7, 62]]), { paired: true });
    expect([paired.method, paired.pairs, paired.repeatsBaseline, paired.repeatsCandidate]).toEqual(['paired-t', 3, 3, 3]);
    const fallback = compareRepeats(base, new Map([[0, 60], [5, 61], [6, 59], [7, 62]]), { paired: true });
    expect([fallback.method, fallback.pairs, fallback.repeatsBaseline, fallback.repeatsCandidate]).toEqual(['welch-t', 0, 4, 4]);
  });

  it(`gives no interval below ${MIN_REPEATS_FOR_VERDICT} healthy repeats and says what it needs`, () => {
    const r = compareRepeats(repeats([50, 52]), repeats([60, 63, 61]), { paired: true });
    expect(r.ci).toBeNull();
    expect(r.method).toBe('none');
    expect(r.unavailableReason).toBe('needs ≥ 3 healthy repeats per side (baseline 2, candidate 3)');
    expect(r.ratio).toBeCloseTo(Math.sqrt(60 * 63 * 61) ** (2 / 3) / Math.sqrt(50 * 52), 9);
  });

  it('calls a metric that is 0 in every repeat of both sides unchanged, and refuses a ratio with some zeros', () => {
    const none = compareRepeats(repeats([0, 0, 0]), repeats([0, 0, 0]), { paired: true });
    expect([none.ratio, none.ci]).toEqual([1, { low: 1, high: 1 }]);
    const some = compareRepeats(repeats([0, 1, 0]), repeats([2, 2, 2]), { paired: true });
    expect(some.ci).toBeNull();
    expect(some.unavailableReason).toBe('0 in baseline 2 repeats (0, 2): a ratio interval needs positive values');
  });
});

describe('logMeanInterval', () => {
  it('gives the one-sample t-interval of the geometric mean', () => {
    const r = logMeanInterval([50, 55, 48, 52]);
    expect(r.method).toBe('one-sample-t');
    expect(r.estimate).toBeCloseTo(51.18518987959358, 9);
    expect(r.ci!.low).toBeCloseTo(46.6723974633793, 8);
    expect(r.ci!.high).toBeCloseTo(56.13432789831994, 8);
  });

  it('gives no interval for one repeat and says why', () => {
    expect(logMeanInterval([50])).toMatchObject({ estimate: 50, ci: null, method: 'none', unavailableReason: 'needs ≥ 3 healthy repeats (has 1)' });
  });
});

describe('rateInterval', () => {
  it('takes the union of Cox\'s interval on the per-repeat rates and the pooled Wilson interval', () => {
    const r = rateInterval([{ events: 10, trials: 3000 }, { events: 40, trials: 3000 }, { events: 25, trials: 3000 }]);
    expect(r.method).toBe('rate-cox-wilson');
    expect(r.estimate).toBeCloseTo(75 / 9000, 12);
    // Cox on ln((events + 0.5) / trials): [0.001286, 0.06776]; Wilson [0.00665, 0.01043].
    expect(r.ci!.low).toBeCloseTo(0.0012861050497253248, 12);
    expect(r.ci!.high).toBeCloseTo(0.06776183783109009, 10);
  });

  it('keeps the Wilson upper bound when no repeat had an event, where the per-repeat rates have no spread', () => {
    const r = rateInterval([0, 0, 0].map(() => ({ events: 0, trials: 3000 })));
    expect(r.ci!.low).toBe(0);
    expect(r.ci!.high).toBeCloseTo(0.0004266466527940478, 9);
  });

  it('skips repeats that had no trials when counting towards the minimum', () => {
    const r = rateInterval([{ events: 0, trials: 0 }, { events: 1, trials: 100 }, { events: 0, trials: 100 }]);
    expect(r.ci).toBeNull();
    expect(r.unavailableReason).toBe('needs ≥ 3 healthy repeats (has 2)');
  });
});
