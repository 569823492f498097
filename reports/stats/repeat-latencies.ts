import { decodeHistogram } from '../../lib/histogram.ts';

/**
 * The latencies of several repeats of one configuration x endpoint, kept per repeat on one shared
 * value grid, so that a percentile of "these repeats merged, repeat i counted m_i times" costs one
 * pass over the grid instead of decoding and merging histograms for every bootstrap resample.
 * With all multiplicities 1 the result equals percentilesOf(mergeEncoded(...)) exactly.
 */
export class RepeatLatencies {
  readonly repeatCount: number;
  /** Sorted distinct values (microseconds, HDR highest-equivalent values). */
  private readonly gridUs: Float64Array;
  /** cumulative[r][g]: samples of repeat r at or below gridUs[g]; sums of them are monotone, so binary search works. */
  private readonly cumulative: Float64Array[];
  private readonly totals: number[];

  private constructor(perRepeat: ReadonlyArray<ReadonlyMap<number, number>>) {
    const values = new Set<number>();
    for (const m of perRepeat) for (const v of m.keys()) values.add(v);
    this.gridUs = Float64Array.from([...values].sort((a, b) => a - b));
    const indexOf = new Map<number, number>();
    this.gridUs.forEach((v, i) => indexOf.set(v, i));
    this.cumulative = perRepeat.map((m) => {
      const row = new Float64Array(this.gridUs.length);
      for (const [v, c] of m) row[indexOf.get(v)!] = c;
      for (let g = 1; g < row.length; g++) row[g]! += row[g - 1]!;
      return row;
    });
    this.totals = perRepeat.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
    this.repeatCount = perRepeat.length;
  }

  /** From hdr-histogram-js encodings (histogram.ts), one per repeat. */
  static fromEncoded(encoded: readonly string[]): RepeatLatencies {
    return new RepeatLatencies(encoded.map(bucketsOf));
  }

  /** From raw values in microseconds, one array per repeat (tests and synthetic data). */
  static fromValuesUs(valuesUs: ReadonlyArray<readonly number[]>): RepeatLatencies {
    return new RepeatLatencies(
      valuesUs.map((values) => {
        const m = new Map<number, number>();
        for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
        return m;
      }),
    );
  }

  /** Samples of all repeats counted with `multiplicities` (default: each once). */
  totalCount(multiplicities?: readonly number[]): number {
    return this.totals.reduce((acc, t, r) => acc + t * (multiplicities?.[r] ?? 1), 0);
  }

  /**
   * The `percentile` (0..100) in ms of the repeats merged with repeat r counted multiplicities[r]
   * times; the rule of HDR getValueAtPercentile (smallest value whose cumulative count reaches
   * ceil(p/100 x total)). 0 when there are no samples.
   */
  percentileMs(percentile: number, multiplicities?: readonly number[]): number {
    const weights = this.totals.map((_, r) => multiplicities?.[r] ?? 1);
    const total = this.totalCount(weights);
    if (total === 0) return 0;
    const fp = (Math.min(percentile, 100) / 100) * total;
    const target = Math.max(Math.ceil(fp - ulp(fp)), 1);
    const active = weights.flatMap((w, r) => (w > 0 && this.totals[r]! > 0 ? [r] : []));
    const cumulativeAt = (g: number) => active.reduce((acc, r) => acc + this.cumulative[r]![g]! * weights[r]!, 0);
    // The first grid index whose cumulative count reaches the target.
    let low = 0;
    let high = this.gridUs.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cumulativeAt(mid) >= target) high = mid;
      else low = mid + 1;
    }
    return this.gridUs[low]! / 1000;
  }
}

/** Unit in the last place, as hdr-histogram-js computes it, so rounding matches its percentiles. */
function ulp(x: number): number {
  if (x === 0) return 0;
  return 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);
}

/** The internals of hdr-histogram-js JsHistogram that the public Histogram type does not expose. */
interface HistogramBuckets {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
}

function bucketsOf(encoded: string): Map<number, number> {
  const histogram = decodeHistogram(encoded) as unknown as Partial<HistogramBuckets>;
  if (typeof histogram.getCountAtIndex !== 'function' || typeof histogram.valueFromIndex !== 'function' || typeof histogram.highestEquivalentValue !== 'function') {
    throw new Error('internal: hdr-histogram-js no longer exposes its buckets (getCountAtIndex/valueFromIndex)');
  }
  const h = histogram as HistogramBuckets;
  const out = new Map<number, number>();
  for (let i = 0; i < h.countsArrayLength; i++) {
    const count = h.getCountAtIndex(i);
    if (count > 0) {
      const value = h.highestEquivalentValue(h.valueFromIndex(i));
      out.set(value, (out.get(value) ?? 0) + count);
    }
  }
  return out;
}
