import type { SimulationModel } from '../model/simulation-model.ts';
import { classFlows } from './class-flows.ts';
import { meanValueAnalysis, type MvaCentre, type MvaResult } from './mean-value-analysis.ts';

export interface ClosedNetworkOptions {
  /** Connections of the closed-loop generator (autocannon `connections`). */
  connections: number;
  /** Pause between a response and the next request on a connection, seconds (0 for autocannon). */
  thinkTimeS?: number;
}

export interface ClosedNetworkPrediction extends MvaResult {
  /** CPU utilisation of one replica of each host at the predicted throughput. */
  hosts: { hostId: string; cpuUtilisation: number }[];
  notes: string[];
}

/**
 * Predicts a closed-loop run (N connections, each sending its next request when the last one
 * answers, after a think time) by exact MVA (mean-value-analysis.ts). The request mix is the
 * classes' generator rates as weights; per station, the demand per request is
 * Σ_r w_r · (CPU demand / speedFactor + thread-holding delay), split evenly over host replicas.
 *
 * Approximations (also in `notes`): a FCFS station is a queue with min(threads, host cores)
 * servers (threads when it has thread-holding delays), a processor-sharing station one with host
 * cores servers; co-located stations do not slow each other (hosts' CPU utilisation is reported
 * to check that); free delays are a delay centre; pools, timeouts and spawned asynchronous jobs
 * (which hold no connection) are left out.
 */
export function solveClosedNetwork(model: SimulationModel, options: ClosedNetworkOptions): ClosedNetworkPrediction {
  const flows = classFlows(model);
  const totalRate = model.classes.reduce((a, c) => a + c.rateRps, 0);
  if (!(totalRate > 0)) throw new RangeError('a closed-network prediction needs at least one class with rateRps > 0 to weight the mix');
  const hostsById = new Map(model.hosts.map((h) => [h.id, h]));
  const centres: MvaCentre[] = [];
  let freeDelayS = 0;
  const cpuDemandByHost = new Map<string, number>();
  for (const station of model.stations) {
    const host = hostsById.get(station.hostId)!;
    let cpuS = 0;
    let holdS = 0;
    model.classes.forEach((cls, i) => {
      const sums = flows[i]!.stations.get(station.id);
      if (!sums || cls.rateRps === 0) return;
      const weight = cls.rateRps / totalRate;
      cpuS += (weight * sums.demandS) / host.speedFactor;
      holdS += weight * sums.holdDelayS;
      freeDelayS += weight * sums.freeDelayS;
    });
    if (cpuS + holdS === 0) continue;
    cpuDemandByHost.set(host.id, (cpuDemandByHost.get(host.id) ?? 0) + cpuS / host.replicas);
    const servers = station.discipline === 'ps' ? host.cores : holdS > 0 ? station.threads : Math.min(station.threads, host.cores);
    centres.push({ id: station.id, kind: 'queue', demandS: (cpuS + holdS) / host.replicas, servers, multiplicity: host.replicas });
  }
  if (freeDelayS > 0) centres.push({ id: 'free-delays', kind: 'delay', demandS: freeDelayS });
  const result = meanValueAnalysis({ centres, customers: options.connections, thinkTimeS: options.thinkTimeS ?? 0 });
  return {
    ...result,
    hosts: model.hosts.map((h) => ({ hostId: h.id, cpuUtilisation: (result.throughputRps * (cpuDemandByHost.get(h.id) ?? 0)) / h.cores })),
    notes: [
      'stations as queues with min(threads, cores) servers; co-located stations do not slow each other',
      'pools, timeouts and spawned asynchronous jobs are not modelled',
    ],
  };
}
