import type { EmpiricalQuantilesTime, ServiceTime } from './service-time.ts';

/** First two moments of a time distribution, seconds and seconds². */
export interface TimeMoments {
  meanS: number;
  /** E[X²]. */
  secondMomentS2: number;
}

/**
 * Mean and second moment of a distribution, exactly for every kind (no sampling).
 * Lognormal: E[X²] = mean² (1 + cv²). Quantile table: exact for the piecewise-linear CDF
 * (uniform inside each band: E[X²] over [a, b] is (a² + ab + b²) / 3).
 */
export function timeMoments(time: ServiceTime): TimeMoments {
  switch (time.kind) {
    case 'deterministic':
      return { meanS: time.meanS, secondMomentS2: time.meanS * time.meanS };
    case 'exponential':
      return { meanS: time.meanS, secondMomentS2: 2 * time.meanS * time.meanS };
    case 'lognormal':
      return { meanS: time.meanS, secondMomentS2: time.meanS * time.meanS * (1 + time.cv * time.cv) };
    case 'empirical-quantiles':
      return quantileTableMoments(time);
    case 'empirical-samples': {
      let sum = 0;
      let sumSq = 0;
      for (const x of time.samplesS) {
        sum += x;
        sumSq += x * x;
      }
      const n = time.samplesS.length;
      return { meanS: sum / n, secondMomentS2: sumSq / n };
    }
  }
}

function quantileTableMoments(time: EmpiricalQuantilesTime): TimeMoments {
  let mean = 0;
  let second = 0;
  const q = time.quantiles;
  for (let i = 1; i < q.length; i++) {
    const lo = q[i - 1]!;
    const hi = q[i]!;
    const mass = hi.p - lo.p;
    mean += (mass * (lo.valueS + hi.valueS)) / 2;
    second += (mass * (lo.valueS * lo.valueS + lo.valueS * hi.valueS + hi.valueS * hi.valueS)) / 3;
  }
  return { meanS: mean, secondMomentS2: second };
}

/** Mean of a distribution, seconds. */
export function meanTimeS(time: ServiceTime): number {
  return timeMoments(time).meanS;
}

/** Squared coefficient of variation Var/mean² (0 for a zero-mean distribution). */
export function squaredCoefficientOfVariation(time: ServiceTime): number {
  const { meanS, secondMomentS2 } = timeMoments(time);
  if (meanS === 0) return 0;
  return Math.max(0, secondMomentS2 / (meanS * meanS) - 1);
}
