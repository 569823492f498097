import { solveOpenNetwork } from '../analytical/open-network.ts';
import type { NetworkPrediction } from '../analytical/prediction.ts';
import { simulate } from '../des/simulate.ts';
import { buildStackModel, type StackModelInput } from './build-stack-model.ts';

/**
 * Predictions of the reference-stack model for one configuration under one load: per endpoint
 * latency percentiles and throughput, utilisation per host and per tier instance, and the
 * bottleneck. `analytic` solves the open network (simulator/analytical, milliseconds); `des`
 * runs the discrete-event simulation (exact processor sharing on the shared host, seconds).
 */
export interface EndpointPrediction {
  endpoint: string;
  rateRps: number;
  /** Open loop: the offered rate while stable; beyond saturation, what the bottleneck lets through. */
  throughputRps: number;
  stable: boolean;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  meanMs: number | null;
}

export interface TierUtilisation {
  stationId: string;
  tier: string;
  hostId: string;
  /** Busy threads / threads (processor-sharing stations: their share of the host's cores). */
  utilisation: number;
  cpuCores: number;
}

export interface StackPrediction {
  method: 'analytic' | 'des';
  endpoints: EndpointPrediction[];
  hosts: Array<{ hostId: string; cores: number; cpuUtilisation: number }>;
  stations: TierUtilisation[];
  /** The most utilised resource (a station's threads or a host's cores) among the stack's own. */
  bottleneck: { id: string; kind: 'station' | 'host'; utilisation: number };
  notes: string[];
}

export interface PredictOptions {
  method?: 'analytic' | 'des';
  /** DES: simulated seconds (default 120), warm-up (20), seed (1). */
  durationS?: number;
  warmupS?: number;
  seed?: number;
  /** Analytic: the endpoints whose percentiles to compute (default all; others get means only). */
  percentilesFor?: readonly string[];
}

const isStack = (tier: string) => tier !== 'background' && tier !== 'generator' && tier !== 'proxy';

export function predictStack(input: StackModelInput, options: PredictOptions = {}): StackPrediction {
  const model = buildStackModel(input);
  const method = options.method ?? 'analytic';
  const network = solveOpenNetwork(model, { percentilesFor: options.percentilesFor ?? input.classes.map((c) => c.endpoint) });
  const stations = network.stations.map((s) => ({ stationId: s.stationId, tier: s.tier, hostId: s.hostId, utilisation: s.threadUtilisation, cpuCores: s.cpuCores }));
  const hosts = network.hosts.map((h) => ({ hostId: h.hostId, cores: h.cores, cpuUtilisation: h.cpuUtilisation }));
  const bottleneck = bottleneckOf(network, model.stations.map((s) => ({ id: s.id, tier: s.tier, hostId: s.hostId })));
  const overload = Math.max(1, bottleneck.utilisation);
  if (method === 'analytic') {
    const endpoints = network.classes
      .filter((c) => input.classes.some((w) => w.endpoint === c.classId))
      .map((c): EndpointPrediction => {
        const p = c.percentiles;
        const ms = (s: number | null | undefined) => (s === null || s === undefined ? null : s * 1000);
        return {
          endpoint: c.classId,
          rateRps: c.arrivalRateRps,
          throughputRps: c.stable ? c.arrivalRateRps * (1 - (c.timeoutProbability ?? 0)) : c.arrivalRateRps / overload,
          stable: c.stable,
          p50Ms: ms(p?.p50S),
          p90Ms: ms(p?.p90S),
          p99Ms: ms(p?.p99S),
          p999Ms: ms(p?.p999S),
          meanMs: ms(c.meanResponseS),
        };
      });
    return { method, endpoints, hosts, stations, bottleneck, notes: network.notes };
  }
  const result = simulate(model, { durationS: options.durationS ?? 120, warmupS: options.warmupS ?? 20, seed: options.seed ?? 1, drainS: 10 });
  const endpoints = result.classes.map((c): EndpointPrediction => {
    const pooled = c.pooled;
    const offered = input.classes.find((w) => w.endpoint === c.classId)?.rateRps ?? 0;
    return {
      endpoint: c.classId,
      rateRps: offered,
      throughputRps: c.throughputRps?.mean ?? 0,
      stable: c.incomplete === 0 && c.failed === 0,
      p50Ms: pooled?.p50Ms ?? null,
      p90Ms: pooled?.p90Ms ?? null,
      p99Ms: pooled?.p99Ms ?? null,
      p999Ms: pooled?.p999Ms ?? null,
      meanMs: c.latency.meanMs?.mean ?? null,
    };
  });
  return {
    method,
    endpoints,
    hosts: result.hosts.map((h, i) => ({ hostId: h.hostId, cores: model.hosts[i]!.cores, cpuUtilisation: h.cpuUtilisation?.mean ?? 0 })),
    stations: result.stations.map((s, i) => ({
      stationId: s.stationId,
      tier: model.stations[i]!.tier,
      hostId: model.stations[i]!.hostId,
      utilisation: s.threadUtilisation?.mean ?? (s.cpuCores?.mean ?? 0) / model.hosts.find((h) => h.id === model.stations[i]!.hostId)!.cores,
      cpuCores: s.cpuCores?.mean ?? 0,
    })),
    bottleneck,
    notes: [`discrete-event simulation: ${options.durationS ?? 120} s simulated, ${options.warmupS ?? 20} s warm-up, seed ${options.seed ?? 1}`],
  };
}

function bottleneckOf(network: NetworkPrediction, stations: ReadonlyArray<{ id: string; tier: string; hostId: string }>): StackPrediction['bottleneck'] {
  let best: StackPrediction['bottleneck'] = { id: 'none', kind: 'station', utilisation: 0 };
  for (const s of network.stations) {
    const tier = stations.find((x) => x.id === s.stationId)?.tier ?? '';
    if (!isStack(tier) || s.tier === 'objectstore') continue;
    const u = s.saturated && s.visitRateRps > 0 ? Math.max(1, s.threadUtilisation) : s.threadUtilisation;
    if (u > best.utilisation) best = { id: s.stationId, kind: 'station', utilisation: u };
  }
  for (const h of network.hosts) {
    if (h.hostId === 'client') continue;
    if (h.cpuUtilisation > best.utilisation) best = { id: h.hostId, kind: 'host', utilisation: h.cpuUtilisation };
  }
  return best;
}
