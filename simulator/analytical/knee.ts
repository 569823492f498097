import { scaleModelRates } from '../model/model-at-time.ts';
import type { SimulationModel } from '../model/simulation-model.ts';
import { solveOpenNetwork } from './open-network.ts';
import type { ClassPrediction, NetworkPrediction } from './prediction.ts';
import type { LatencyGridOptions } from './latency-grid.ts';

export interface KneeSlo {
  classId: string;
  statistic: 'mean' | 'p50' | 'p90' | 'p99' | 'p999';
  maxMs: number;
}

export interface KneeOptions extends LatencyGridOptions {
  slos: readonly KneeSlo[];
  /** No station (thread ρ), host (CPU) or pool may exceed this utilisation; default 1 (stability only). */
  maxUtilisation?: number;
  /** Stop when the bracket on the rate scale is this narrow relative to it; default 1e-4. */
  relativeTolerance?: number;
}

export interface Knee {
  /** Largest factor on every generator rate (the class mix kept) at which every SLO holds. */
  rateScale: number;
  totalRateRps: number;
  classRatesRps: { classId: string; rateRps: number }[];
  /** The constraint that fails just above the knee. */
  limitedBy: string;
  /** The prediction at the knee. */
  prediction: NetworkPrediction;
  iterations: number;
}

/**
 * The knee: the highest total arrival rate, scaling the class mix, at which the SLOs still
 * hold, by bisection on the rate scale between 0 and the bottleneck bound (operational laws:
 * beyond X = c / D_max no steady state exists). Assumes each SLO statistic grows with load,
 * which holds for every station model used here.
 */
export function findKnee(model: SimulationModel, options: KneeOptions): Knee {
  const totalRate = model.classes.reduce((a, c) => a + c.rateRps, 0);
  if (!(totalRate > 0)) throw new RangeError('findKnee needs at least one class with rateRps > 0 (the mix to scale)');
  const maxUtilisation = options.maxUtilisation ?? 1;
  const tolerance = options.relativeTolerance ?? 1e-4;
  const percentilesFor = [...new Set(options.slos.filter((s) => s.statistic !== 'mean').map((s) => s.classId))];
  const evaluate = (scale: number): { prediction: NetworkPrediction; failure: string | null } => {
    const prediction = solveOpenNetwork(scaleModelRates(model, scale), { ...options, percentilesFor });
    return { prediction, failure: firstFailure(prediction, options.slos, maxUtilisation) };
  };
  const bottleneck = solveOpenNetwork(model, { percentilesFor: [] }).bottleneck;
  const bound = bottleneck.maxRateScale;
  if (bound === null) throw new RangeError('no station, host or pool is loaded: the knee is unbounded');
  let lo = 0;
  let hi = bound;
  let best = evaluate(bound * 1e-9);
  if (best.failure !== null) return knee(model, 0, best.prediction, `${best.failure} even with no load`, 0);
  let limitedBy = `${bottleneck.kind} ${bottleneck.id ?? ''} at ρ = 1`;
  let iterations = 0;
  while (hi - lo > tolerance * hi) {
    iterations++;
    const mid = (lo + hi) / 2;
    const attempt = evaluate(mid);
    if (attempt.failure === null) {
      lo = mid;
      best = attempt;
    } else {
      hi = mid;
      limitedBy = attempt.failure;
    }
  }
  return knee(model, lo, best.prediction, limitedBy, iterations);
}

function knee(model: SimulationModel, scale: number, prediction: NetworkPrediction, limitedBy: string, iterations: number): Knee {
  const classRatesRps = model.classes.map((c) => ({ classId: c.id, rateRps: c.rateRps * scale }));
  return { rateScale: scale, totalRateRps: classRatesRps.reduce((a, c) => a + c.rateRps, 0), classRatesRps, limitedBy, prediction, iterations };
}

function firstFailure(prediction: NetworkPrediction, slos: readonly KneeSlo[], maxUtilisation: number): string | null {
  for (const s of prediction.stations) if (s.visitRateRps > 0 && (s.saturated || s.threadUtilisation > maxUtilisation)) return `station ${s.stationId} utilisation > ${maxUtilisation}`;
  for (const h of prediction.hosts) if (h.saturated || h.cpuUtilisation > maxUtilisation) return `host ${h.hostId} CPU utilisation > ${maxUtilisation}`;
  for (const p of prediction.pools) if (p.acquireRateRps > 0 && (p.saturated || p.utilisation > maxUtilisation)) return `pool ${p.poolId} utilisation > ${maxUtilisation}`;
  for (const slo of slos) {
    const cls = prediction.classes.find((c) => c.classId === slo.classId);
    if (!cls) throw new RangeError(`SLO names unknown class '${slo.classId}'`);
    const valueS = statisticS(cls, slo.statistic);
    if (valueS === null || valueS * 1000 > slo.maxMs) return `${slo.classId} ${slo.statistic} > ${slo.maxMs} ms`;
  }
  return null;
}

function statisticS(cls: ClassPrediction, statistic: KneeSlo['statistic']): number | null {
  if (!cls.stable) return null;
  if (statistic === 'mean') return cls.meanResponseS;
  const p = cls.percentiles;
  if (!p) return null;
  return { p50: p.p50S, p90: p.p90S, p99: p.p99S, p999: p.p999S }[statistic];
}
