import { fft } from './fft.ts';
import { latencyMoments, type LatencyTerm } from './latency-term.ts';
import { timeCdf } from './time-cdf.ts';

/**
 * The distribution of a latency term, computed numerically on a grid (the "convolve" of
 * MODELLING.md "Networks": percentiles of a route do not add).
 *
 * Method: every leaf distribution is discretised onto bins of width dt over [0, H), with
 * H = mean + horizonSd · sd of the whole term, bin i holding P((i − ½)dt <= X < (i + ½)dt);
 * leaves are transformed by FFT on 2N points (zero-padded to [0, 2H), so sums up to 2H do not
 * wrap around); sums multiply transforms, mixtures add them, a repeated visit raises them to a
 * power; one inverse FFT gives the probability mass function. Quantiles interpolate linearly
 * inside a bin.
 *
 * Error: a quantile is off by at most about (number of leaves) · dt/2 from discretisation,
 * typically far less; mass a leaf has beyond H is dropped, so `massOnGrid` < 1 says how much
 * tail the grid could not hold, and a quantile whose level lies in that missing tail is
 * reported as null rather than guessed. By Cantelli's inequality at most 1/(1 + horizonSd²) of
 * the mass lies beyond H for any distribution; for the light tails of queueing times far less.
 */
export interface LatencyGridOptions {
  /** Bins over [0, H); a power of two. Default 8192. */
  gridPoints?: number;
  /** H = mean + horizonSd · standard deviation. Default 30. */
  horizonSd?: number;
}

export interface LatencyDistribution {
  meanS: number;
  varianceS2: number;
  binWidthS: number;
  /** Total probability held by the grid [0, 2H); 1 minus what leaves lost beyond H. */
  massOnGrid: number;
  /** The p-quantile in seconds, or null when level p lies in tail mass the grid could not hold. */
  quantileS(p: number): number | null;
  /** P(X <= x). */
  cdf(xS: number): number;
}

const DEFAULT_GRID_POINTS = 8192;
const DEFAULT_HORIZON_SD = 30;

/** Evaluates a latency term on a grid; see the file comment for the method and its error. */
export function latencyDistribution(term: LatencyTerm, options: LatencyGridOptions = {}): LatencyDistribution {
  const n = options.gridPoints ?? DEFAULT_GRID_POINTS;
  if (!Number.isInteger(n) || n < 16 || (n & (n - 1)) !== 0) throw new RangeError(`gridPoints must be a power of two >= 16, got ${n}`);
  const horizonSd = options.horizonSd ?? DEFAULT_HORIZON_SD;
  const { meanS, varianceS2 } = latencyMoments(term);
  const sd = Math.sqrt(varianceS2);
  const horizonS = sd > 0 ? meanS + horizonSd * sd : 2 * meanS;
  if (!(horizonS > 0)) return pointMassAtZero();
  const grid = new Grid(n, horizonS / n);
  const transform = grid.transform(term);
  fft(transform.re, transform.im, true);
  const pmf = transform.re;
  const cumulative = new Float64Array(pmf.length);
  let total = 0;
  for (let i = 0; i < pmf.length; i++) {
    total += Math.max(0, pmf[i]!);
    cumulative[i] = total;
  }
  const dt = grid.binWidthS;
  return {
    meanS,
    varianceS2,
    binWidthS: dt,
    massOnGrid: total,
    quantileS(p: number): number | null {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
      if (p > total) return null;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! >= p) hi = mid;
        else lo = mid + 1;
      }
      const below = lo === 0 ? 0 : cumulative[lo - 1]!;
      const mass = cumulative[lo]! - below;
      const within = mass > 0 ? (p - below) / mass : 0.5;
      return Math.max(0, (lo - 0.5 + within) * dt);
    },
    cdf(xS: number): number {
      const position = xS / dt + 0.5;
      if (position <= 0) return 0;
      const i = Math.floor(position);
      if (i >= cumulative.length) return total;
      const below = i === 0 ? 0 : cumulative[i - 1]!;
      return below + (cumulative[i]! - below) * (position - i);
    },
  };
}

function pointMassAtZero(): LatencyDistribution {
  return { meanS: 0, varianceS2: 0, binWidthS: 0, massOnGrid: 1, quantileS: () => 0, cdf: (x) => (x >= 0 ? 1 : 0) };
}

interface Transform {
  re: Float64Array;
  im: Float64Array;
}

class Grid {
  readonly size: number;

  constructor(
    readonly points: number,
    readonly binWidthS: number,
  ) {
    this.size = 2 * points;
  }

  transform(term: LatencyTerm): Transform {
    switch (term.kind) {
      case 'time': {
        if (term.scale === 0) return this.ones();
        const cdf = timeCdf(term.time);
        return this.fromCdf((x) => cdf(x / term.scale), 1, 0);
      }
      case 'wait': {
        if (term.probability === 0 || term.conditionalMeanS === 0) return this.ones();
        const mean = term.conditionalMeanS;
        return this.fromCdf((x) => (x <= 0 ? 0 : 1 - Math.exp(-x / mean)), term.probability, 1 - term.probability);
      }
      case 'sum': {
        const out = this.ones();
        for (const part of term.terms) multiplyInto(out, this.transform(part));
        return out;
      }
      case 'mixture': {
        const out = { re: new Float64Array(this.size), im: new Float64Array(this.size) };
        for (const arm of term.arms) {
          if (arm.probability === 0) continue;
          const t = this.transform(arm.term);
          for (let i = 0; i < this.size; i++) {
            out.re[i]! += arm.probability * t.re[i]!;
            out.im[i]! += arm.probability * t.im[i]!;
          }
        }
        return out;
      }
      case 'repeat': {
        const whole = Math.floor(term.count);
        const frac = term.count - whole;
        const t = this.transform(term.term);
        const out = { re: new Float64Array(this.size), im: new Float64Array(this.size) };
        for (let i = 0; i < this.size; i++) {
          // (1 − q)·φ^k + q·φ^(k+1), powers in polar form.
          const modulus = Math.hypot(t.re[i]!, t.im[i]!);
          const angle = Math.atan2(t.im[i]!, t.re[i]!);
          const rk = Math.pow(modulus, whole);
          const weight = 1 - frac + frac * modulus * Math.cos(angle);
          const weightIm = frac * modulus * Math.sin(angle);
          const pr = rk * Math.cos(whole * angle);
          const pi = rk * Math.sin(whole * angle);
          out.re[i] = pr * weight - pi * weightIm;
          out.im[i] = pr * weightIm + pi * weight;
        }
        return out;
      }
    }
  }

  /** Transform of `scale` × (the distribution with this CDF, truncated at H) + `atomAtZero` × (a point mass at 0). */
  private fromCdf(cdf: (xS: number) => number, scale: number, atomAtZero: number): Transform {
    const re = new Float64Array(this.size);
    const im = new Float64Array(this.size);
    let previous = 0;
    for (let i = 0; i < this.points; i++) {
      const edge = cdf((i + 0.5) * this.binWidthS);
      re[i] = scale * (edge - previous);
      previous = edge;
    }
    re[0]! += atomAtZero;
    fft(re, im);
    return { re, im };
  }

  private ones(): Transform {
    return { re: new Float64Array(this.size).fill(1), im: new Float64Array(this.size) };
  }
}

function multiplyInto(target: Transform, factor: Transform): void {
  for (let i = 0; i < target.re.length; i++) {
    const a = target.re[i]!;
    const b = target.im[i]!;
    const c = factor.re[i]!;
    const d = factor.im[i]!;
    target.re[i] = a * c - b * d;
    target.im[i] = a * d + b * c;
  }
}
