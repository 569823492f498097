import type { ServiceTime } from '../model/service-time.ts';
import { timeMoments } from '../model/service-time-moments.ts';

/**
 * A request's response time as an expression of independent parts, built from a route by
 * open-network.ts and evaluated by latency-grid.ts. Independence of the parts is the
 * approximation: exact for the means (they add along a route, Jackson 1957), and for the
 * distribution of a tandem of FCFS ·/M/1 stations without overtaking (Reich 1957); elsewhere it
 * ignores the correlation between a request's waits at successive stations.
 */
export type LatencyTerm =
  /** A time distribution stretched by `scale` (a CPU demand times its host slowdown). */
  | { kind: 'time'; time: ServiceTime; scale: number }
  /** A queueing wait: 0 with probability 1 − p, else exponential with mean `conditionalMeanS` (M/M/c). */
  | { kind: 'wait'; probability: number; conditionalMeanS: number }
  | { kind: 'sum'; terms: LatencyTerm[] }
  | { kind: 'mixture'; arms: { probability: number; term: LatencyTerm }[] }
  /** `count` independent copies in a row; a fractional mean is stochastic rounding (floor + Bernoulli), as in the DES. */
  | { kind: 'repeat'; count: number; term: LatencyTerm };

export interface LatencyMoments {
  meanS: number;
  varianceS2: number;
}

/** Mean and variance of a term (sums of independent parts add variances; mixtures by total variance). */
export function latencyMoments(term: LatencyTerm): LatencyMoments {
  switch (term.kind) {
    case 'time': {
      const m = timeMoments(term.time);
      const mean = m.meanS * term.scale;
      return { meanS: mean, varianceS2: Math.max(0, m.secondMomentS2 * term.scale * term.scale - mean * mean) };
    }
    case 'wait': {
      const mean = term.probability * term.conditionalMeanS;
      const second = 2 * term.probability * term.conditionalMeanS * term.conditionalMeanS;
      return { meanS: mean, varianceS2: Math.max(0, second - mean * mean) };
    }
    case 'sum':
      return term.terms.map(latencyMoments).reduce((a, b) => ({ meanS: a.meanS + b.meanS, varianceS2: a.varianceS2 + b.varianceS2 }), { meanS: 0, varianceS2: 0 });
    case 'mixture': {
      let mean = 0;
      let second = 0;
      for (const arm of term.arms) {
        const m = latencyMoments(arm.term);
        mean += arm.probability * m.meanS;
        second += arm.probability * (m.varianceS2 + m.meanS * m.meanS);
      }
      return { meanS: mean, varianceS2: Math.max(0, second - mean * mean) };
    }
    case 'repeat': {
      const m = latencyMoments(term.term);
      const frac = term.count - Math.floor(term.count);
      // N = floor + Bernoulli(frac): E[N] = count, Var[N] = frac(1 − frac); Var[ΣX] = E[N]σ² + Var[N]μ².
      return { meanS: term.count * m.meanS, varianceS2: term.count * m.varianceS2 + frac * (1 - frac) * m.meanS * m.meanS };
    }
  }
}
