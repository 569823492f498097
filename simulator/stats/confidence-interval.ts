import { Type, type Static } from '@sinclair/typebox';
import { studentTQuantile } from '../../lib/stats/student-t.ts';

/** A statistic over independent replications: their mean and a t-interval around it. */
export const IntervalEstimateSchema = Type.Object(
  {
    mean: Type.Number(),
    halfWidth: Type.Union([Type.Number(), Type.Null()], { description: 'null with a single replication (no spread to estimate).' }),
    low: Type.Union([Type.Number(), Type.Null()]),
    high: Type.Union([Type.Number(), Type.Null()]),
    replications: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type IntervalEstimate = Static<typeof IntervalEstimateSchema>;

/**
 * Student t-interval of the mean of independent replications (one value each, e.g. the p99 of
 * each seed): mean ± t_{1-(1-level)/2, n-1} · s / sqrt(n). Replications are i.i.d. by
 * construction (independent seeds), which is what makes this interval valid for percentiles too
 * (Law & Kelton, "Simulation Modeling and Analysis", replication/deletion approach).
 */
export function tInterval(values: readonly number[], level = 0.95): IntervalEstimate {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const n = values.length;
  if (n === 0) throw new RangeError('a t-interval needs at least one value');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, halfWidth: null, low: null, high: null, replications: 1 };
  const variance = values.reduce((a, v) => a + (v - mean) * (v - mean), 0) / (n - 1);
  const halfWidth = studentTQuantile(1 - (1 - level) / 2, n - 1) * Math.sqrt(variance / n);
  return { mean, halfWidth, low: mean - halfWidth, high: mean + halfWidth, replications: n };
}
