import type { ServiceTime } from '../model/service-time.ts';
import { normalCdf } from '../../lib/stats/normal.ts';

/**
 * The distribution function x ↦ P(X <= x) of a time distribution, for discretising it onto the
 * latency grid. Lognormal with mean m and cv: σ² = ln(1 + cv²), μ = ln m − σ²/2.
 */
export function timeCdf(time: ServiceTime): (xS: number) => number {
  switch (time.kind) {
    case 'deterministic': {
      const v = time.meanS;
      return (x) => (x >= v ? 1 : 0);
    }
    case 'exponential': {
      const m = time.meanS;
      return (x) => (x <= 0 ? 0 : 1 - Math.exp(-x / m));
    }
    case 'lognormal': {
      const m = time.meanS;
      if (time.cv === 0) return (x) => (x >= m ? 1 : 0);
      const sigma2 = Math.log(1 + time.cv * time.cv);
      const sigma = Math.sqrt(sigma2);
      const mu = Math.log(m) - sigma2 / 2;
      return (x) => (x <= 0 ? 0 : normalCdf((Math.log(x) - mu) / sigma));
    }
    case 'empirical-quantiles': {
      const q = time.quantiles;
      return (x) => {
        if (x < q[0]!.valueS) return 0;
        for (let i = 1; i < q.length; i++) {
          const lo = q[i - 1]!;
          const hi = q[i]!;
          if (x < hi.valueS) return lo.p + ((x - lo.valueS) / (hi.valueS - lo.valueS)) * (hi.p - lo.p);
        }
        return 1;
      };
    }
    case 'empirical-samples': {
      const sorted = Float64Array.from(time.samplesS).sort();
      const n = sorted.length;
      return (x) => {
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (sorted[mid]! <= x) lo = mid + 1;
          else hi = mid;
        }
        return lo / n;
      };
    }
  }
}
