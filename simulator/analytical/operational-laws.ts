/**
 * The operational laws: they hold for any measured interval, whatever the distributions
 * (Denning & Buzen, "The Operational Analysis of Queueing Network Models", ACM Computing
 * Surveys 1978; MODELLING.md "Operational laws").
 */

/** Utilisation law U = X · S: throughput times service time per completion (per server if divided by servers). */
export function utilisationLaw(throughputRps: number, serviceTimeS: number, servers = 1): number {
  return (throughputRps * serviceTimeS) / servers;
}

/** Service demand law D = U / X = V · S: CPU-seconds per request from a measured utilisation (in cores) and throughput. */
export function serviceDemandS(utilisation: number, throughputRps: number): number {
  if (!(throughputRps > 0)) throw new RangeError(`throughputRps must be positive, got ${throughputRps}`);
  return utilisation / throughputRps;
}

/** Little's law N = X · R. */
export function littleLawCount(throughputRps: number, responseS: number): number {
  return throughputRps * responseS;
}

export interface DemandEntry {
  id: string;
  /** Demand per request at this resource, seconds (V · S). */
  demandS: number;
  /** Servers that share it (threads, cores). */
  servers: number;
}

export interface BottleneckBound {
  /** The resource with the largest demand per server; null when every demand is 0. */
  bottleneckId: string | null;
  /** X <= min_k c_k / D_k; Infinity when nothing limits. */
  maxThroughputRps: number;
}

/** The bottleneck bound X <= min_k c_k / D_k (Lazowska et al., "Quantitative System Performance", ch. 5). */
export function bottleneckBound(entries: readonly DemandEntry[]): BottleneckBound {
  let best: BottleneckBound = { bottleneckId: null, maxThroughputRps: Infinity };
  for (const e of entries) {
    if (!(e.demandS > 0)) continue;
    const bound = e.servers / e.demandS;
    if (bound < best.maxThroughputRps) best = { bottleneckId: e.id, maxThroughputRps: bound };
  }
  return best;
}
