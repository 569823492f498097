import { studentTQuantile as tQuantile } from '../../lib/stats/student-t.ts';

/**
 * The quantiles the intervals need. Student's t comes from simulator/stats (its t-intervals over
 * replications need the same function), memoized here because A/A and power ask for the same few
 * quantiles thousands of times; the normal quantile is Acklam's. Checked against scipy.stats in
 * distributions.test.ts.
 */

const quantiles = new Map<string, number>();
/** Welch's real-valued df would grow the memo without bound; it is cleared past this size. */
const MEMO_LIMIT = 4096;

/**
 * The `q`-quantile of Student's t with `df` degrees of freedom (real df allowed), q in (0, 1).
 *
 * @example
 * studentTQuantile(0.975, 2); // 4.3027: the multiplier of a 95% interval from 3 repeats
 */
export function studentTQuantile(q: number, df: number): number {
  const key = `${q}:${df}`;
  const known = quantiles.get(key);
  if (known !== undefined) return known;
  const value = tQuantile(q, df);
  if (quantiles.size >= MEMO_LIMIT) quantiles.clear();
  quantiles.set(key, value);
  return value;
}

// Acklam's rational approximation of the normal quantile (relative error below 1.2e-9).
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/**
 * The `q`-quantile of the standard normal distribution, q in (0, 1).
 *
 * @example
 * normalQuantile(0.975); // 1.95996
 */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be in (0, 1), got ${q}`);
  const tail = (p: number) => {
    const r = Math.sqrt(-2 * Math.log(p));
    return (((((C[0]! * r + C[1]!) * r + C[2]!) * r + C[3]!) * r + C[4]!) * r + C[5]!) / ((((D[0]! * r + D[1]!) * r + D[2]!) * r + D[3]!) * r + 1);
  };
  if (q < P_LOW) return tail(q);
  if (q > 1 - P_LOW) return -tail(1 - q);
  const x = q - 0.5;
  const r = x * x;
  return ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * x) / (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
}
