import { modelAtTime } from '../model/model-at-time.ts';
import type { RouteStep, SimpleStep, VisitStep } from '../model/route-step.ts';
import type { SimulationModel } from '../model/simulation-model.ts';
import type { Host } from '../model/host.ts';
import type { Station } from '../model/station.ts';
import { classFlows, type ClassFlow, type StationVisitSums } from './class-flows.ts';
import { solveHostContention, type ContentionStation } from './host-contention.ts';
import { latencyDistribution, type LatencyGridOptions } from './latency-grid.ts';
import { latencyMoments, type LatencyTerm } from './latency-term.ts';
import { solveMultiServerQueue, type MultiServerQueue } from './multi-server-queue.ts';
import type { Bottleneck, ClassPrediction, HostPrediction, NetworkPrediction, PoolPrediction, StationPrediction } from './prediction.ts';

export interface OpenNetworkOptions extends LatencyGridOptions {
  /** Classes whose percentiles to compute ('all' by default; [] for means only, e.g. inside a search). */
  percentilesFor?: 'all' | readonly string[];
}

/**
 * Solves the model as an open queueing network (MODELLING.md "Networks": Jackson 1957; "Single
 * stations": M/M/c with Erlang C; "Operational laws"). Per station, the total visit rate
 * λ_k = Σ_r λ_r·V_rk (split evenly over host replicas: random load balancing thins a Poisson
 * stream into Poisson streams) meets an M/M/c queue whose service is the thread-holding time,
 * with the host-contention slowdown (host-contention.ts) and the Allen–Cunneen factor for
 * non-exponential service (multi-server-queue.ts). A class's mean response is the sum over its
 * route; its percentiles come from the grid convolution of the per-visit parts (latency-grid.ts).
 *
 * Approximations, listed in `notes` when they apply: pools are M/M/size queues whose service is
 * the mean response of the steps they cover (nested pool waits not counted in the outer hold);
 * timeouts and in-flight caps are not modelled (timeoutProbability is P(response > timeout) of the
 * unconstrained system); a schedule is applied as it stands at t = 0 (solve modelAtTime(model, t)
 * for another moment).
 * A resource with ρ >= 1 makes the prediction unstable: its classes get null times and name it
 * in `saturatedAt`, never NaN.
 */
export function solveOpenNetwork(input: SimulationModel, options: OpenNetworkOptions = {}): NetworkPrediction {
  const model = input.schedule.length > 0 ? modelAtTime(input, 0) : input;
  const flows = classFlows(model);
  const hostsById = new Map(model.hosts.map((h) => [h.id, h]));
  const notes: string[] = [];
  const loads = stationLoads(model, flows);

  const solvedStations = new Map<string, SolvedStation>();
  const hosts: HostPrediction[] = model.hosts.map((host) => {
    const onHost = model.stations.filter((s) => s.hostId === host.id);
    const contention = solveHostContention(
      host.cores,
      onHost.map((s): ContentionStation => {
        const load = loads.get(s.id)!;
        return { discipline: s.discipline, threads: s.threads, visitRateRps: load.visitRateRps, meanCpuS: load.meanDemandS / host.speedFactor, meanHoldDelayS: load.meanHoldDelayS };
      }),
    );
    const slowest = Math.max(...contention.slowdowns);
    if (!contention.saturated && slowest > 1 + 1e-9) {
      notes.push(`host '${host.id}': jobs in CPU service can outnumber its ${host.cores} core(s); slowdowns up to ${slowest.toFixed(4)} from the processor-sharing fixed point (approximate)`);
    }
    if (!contention.converged && !contention.saturated) notes.push(`host '${host.id}': contention fixed point did not converge`);
    onHost.forEach((s, i) => solvedStations.set(s.id, solveStation(s, loads.get(s.id)!, host, contention.slowdowns[i]!, contention.saturated)));
    return {
      hostId: host.id,
      cores: host.cores,
      replicas: host.replicas,
      cpuUtilisation: contention.cpuUtilisation,
      saturated: contention.saturated,
      contentionConverged: contention.converged,
    };
  });
  if ([...solvedStations.values()].some((s) => s.prediction.visitRateRps > 0 && Math.abs(s.holdingScv - 1) > 1e-9)) {
    notes.push('non-exponential holding times: mean waits scaled by Allen–Cunneen (1 + SCV) / 2, wait tails kept exponential');
  }

  const pools = solvePools(model, flows, solvedStations, hostsById);
  if (pools.some((p) => p.prediction.acquireRateRps > 0)) {
    notes.push('pools: M/M/size queues with service = mean response of the steps they cover (pool waits do not feed back on station load)');
  }
  if (model.classes.some((c) => c.timeoutS !== undefined || c.maxInFlight !== undefined)) {
    notes.push('timeouts and in-flight caps are not modelled: timeoutProbability is P(response > timeoutS) without them');
  }
  if (input.schedule.length > 0) notes.push('schedule: solved as it stands at t = 0; solve modelAtTime(model, t) for another moment');

  const wanted = options.percentilesFor ?? 'all';
  const classes = model.classes.map((cls, i): ClassPrediction => {
    const flow = flows[i]!;
    const saturatedAt = saturatedOnRoute(flow, solvedStations, hosts, pools);
    const base = { classId: cls.id, arrivalRateRps: flow.arrivalRateRps, saturatedAt };
    if (saturatedAt.length > 0) return { ...base, stable: false, meanResponseS: null, percentiles: null, massOnGrid: null, timeoutProbability: null };
    const term = routeTerm(cls.steps, solvedStations, pools);
    const meanResponseS = latencyMoments(term).meanS;
    if (wanted !== 'all' && !wanted.includes(cls.id)) {
      return { ...base, stable: true, meanResponseS, percentiles: null, massOnGrid: null, timeoutProbability: null };
    }
    const distribution = latencyDistribution(term, options);
    return {
      ...base,
      stable: true,
      meanResponseS,
      percentiles: {
        p50S: distribution.quantileS(0.5),
        p90S: distribution.quantileS(0.9),
        p99S: distribution.quantileS(0.99),
        p999S: distribution.quantileS(0.999),
      },
      massOnGrid: distribution.massOnGrid,
      timeoutProbability: cls.timeoutS === undefined ? null : Math.max(0, 1 - distribution.cdf(cls.timeoutS)),
    };
  });

  const stations = model.stations.map((s) => solvedStations.get(s.id)!.prediction);
  const poolPredictions = pools.map((p) => p.prediction);
  const loaded = [...stations.map((s) => s.saturated && s.visitRateRps > 0), ...hosts.map((h) => h.saturated), ...poolPredictions.map((p) => p.saturated)];
  return {
    stable: !loaded.some(Boolean),
    classes,
    stations,
    hosts,
    pools: poolPredictions,
    bottleneck: findBottleneck(model, loads, poolPredictions),
    notes,
  };
}

interface StationLoad {
  /** Per replica. */
  visitRateRps: number;
  meanDemandS: number;
  demandSecondS2: number;
  meanHoldDelayS: number;
  holdDelaySecondS2: number;
  meanDemandTimesHoldS2: number;
}

/** Per-visit mixture moments at every station, weighting each class by its visit rate. */
function stationLoads(model: SimulationModel, flows: readonly ClassFlow[]): Map<string, StationLoad> {
  const replicas = new Map(model.hosts.map((h) => [h.id, h.replicas]));
  const loads = new Map<string, StationLoad>();
  for (const station of model.stations) {
    const total: StationVisitSums = { visits: 0, demandS: 0, demandSecondS2: 0, holdDelayS: 0, holdDelaySecondS2: 0, demandTimesHoldS2: 0, freeDelayS: 0 };
    for (const flow of flows) {
      const sums = flow.stations.get(station.id);
      if (!sums) continue;
      const r = flow.arrivalRateRps;
      total.visits += r * sums.visits;
      total.demandS += r * sums.demandS;
      total.demandSecondS2 += r * sums.demandSecondS2;
      total.holdDelayS += r * sums.holdDelayS;
      total.holdDelaySecondS2 += r * sums.holdDelaySecondS2;
      total.demandTimesHoldS2 += r * sums.demandTimesHoldS2;
    }
    const per = total.visits > 0 ? 1 / total.visits : 0;
    loads.set(station.id, {
      visitRateRps: total.visits / replicas.get(station.hostId)!,
      meanDemandS: total.demandS * per,
      demandSecondS2: total.demandSecondS2 * per,
      meanHoldDelayS: total.holdDelayS * per,
      holdDelaySecondS2: total.holdDelaySecondS2 * per,
      meanDemandTimesHoldS2: total.demandTimesHoldS2 * per,
    });
  }
  return loads;
}

interface SolvedStation {
  station: Station;
  /** CPU stretch: slowdown / speedFactor, the factor on a visit's demand. */
  cpuScale: number;
  /** SCV of the thread-holding time, for Allen–Cunneen. */
  holdingScv: number;
  queue: MultiServerQueue | null;
  prediction: StationPrediction;
}

function solveStation(station: Station, load: StationLoad, host: Host, slowdown: number, hostSaturated: boolean): SolvedStation {
  const { speedFactor, cores } = host;
  const cpuScale = slowdown / speedFactor;
  const cpuMeanS = cpuScale * load.meanDemandS;
  const holdingS = cpuMeanS + load.meanHoldDelayS;
  const holdingSecond = cpuScale * cpuScale * load.demandSecondS2 + 2 * cpuScale * load.meanDemandTimesHoldS2 + load.holdDelaySecondS2;
  const holdingScv = holdingS > 0 ? Math.max(0, holdingSecond / (holdingS * holdingS) - 1) : 1;
  const cpuCores = (load.visitRateRps * load.meanDemandS) / speedFactor;
  const base = {
    stationId: station.id,
    tier: station.tier,
    hostId: station.hostId,
    replicas: host.replicas,
    visitRateRps: load.visitRateRps,
    meanDemandS: load.meanDemandS,
    slowdown: hostSaturated ? null : slowdown,
    cpuCores,
  };
  if (station.discipline === 'ps' || hostSaturated) {
    const finite = !hostSaturated;
    return {
      station,
      cpuScale,
      holdingScv,
      queue: null,
      prediction: {
        ...base,
        meanHoldingS: finite ? holdingS : null,
        threadUtilisation: cpuCores / cores,
        waitProbability: 0,
        meanWaitS: finite ? 0 : null,
        meanResponseS: finite ? holdingS : null,
        meanQueueLength: finite ? 0 : null,
        saturated: hostSaturated && load.visitRateRps > 0,
      },
    };
  }
  const queue = solveMultiServerQueue({ arrivalRateRps: load.visitRateRps, meanServiceS: holdingS, servers: station.threads, serviceScv: holdingScv });
  return {
    station,
    cpuScale,
    holdingScv,
    queue,
    prediction: {
      ...base,
      meanHoldingS: holdingS,
      threadUtilisation: queue.utilisation,
      waitProbability: queue.waitProbability,
      meanWaitS: queue.stable ? queue.meanWaitS : null,
      meanResponseS: queue.stable ? queue.meanResponseS : null,
      meanQueueLength: queue.stable ? load.visitRateRps * queue.meanWaitS : null,
      saturated: !queue.stable,
    },
  };
}

interface SolvedPool {
  copies: number;
  queue: MultiServerQueue | null;
  prediction: PoolPrediction;
}

/** Per pool: acquisitions and the mean holding time, from the mean responses of the covered steps. */
function solvePools(model: SimulationModel, flows: readonly ClassFlow[], stations: Map<string, SolvedStation>, hostsById: Map<string, { replicas: number }>): SolvedPool[] {
  return model.pools.map((pool) => {
    const copies = pool.hostId === undefined ? 1 : hostsById.get(pool.hostId)!.replicas;
    let acquireRate = 0;
    let holdRate = 0;
    model.classes.forEach((cls, i) => {
      const r = flows[i]!.arrivalRateRps;
      acquireRate += r * (flows[i]!.poolAcquisitions.get(pool.id) ?? 0);
      holdRate += r * meanHoldPerRequest(cls.steps, pool.id, stations);
    });
    const perCopyRate = acquireRate / copies;
    const meanHoldingS = acquireRate > 0 ? holdRate / acquireRate : 0;
    if (!Number.isFinite(meanHoldingS)) {
      return { copies, queue: null, prediction: poolPrediction(pool.id, copies, perCopyRate, null, 1, null, true) };
    }
    const queue = solveMultiServerQueue({ arrivalRateRps: perCopyRate, meanServiceS: meanHoldingS, servers: pool.size });
    return {
      copies,
      queue,
      prediction: poolPrediction(pool.id, copies, perCopyRate, meanHoldingS, queue.utilisation, queue.stable ? queue.meanWaitS : null, !queue.stable, queue.waitProbability),
    };
  });
}

function poolPrediction(poolId: string, copies: number, rate: number, holdS: number | null, utilisation: number, waitS: number | null, saturated: boolean, waitProbability = 1): PoolPrediction {
  return { poolId, copies, acquireRateRps: rate, meanHoldingS: holdS, utilisation, waitProbability, meanWaitS: waitS, saturated };
}

/** E[time a request holds `poolId`]: the mean responses of the steps between its acquires and releases. */
function meanHoldPerRequest(steps: readonly RouteStep[], poolId: string, stations: Map<string, SolvedStation>): number {
  let total = 0;
  const walk = (simple: readonly SimpleStep[], weight: number, holding: boolean): boolean => {
    let held = holding;
    for (const s of simple) {
      if (s.kind === 'acquire' && s.poolId === poolId) held = true;
      else if (s.kind === 'release' && s.poolId === poolId) held = false;
      else if (s.kind === 'visit' && held) total += weight * s.count * meanVisitS(s, stations.get(s.stationId)!);
    }
    return held;
  };
  let held = false;
  for (const step of steps) {
    if (step.kind === 'branch') for (const arm of step.arms) walk(arm.steps, arm.probability, held);
    else held = walk([step], 1, held);
  }
  return total;
}

function meanVisitS(step: VisitStep, solved: SolvedStation): number {
  return latencyMoments(visitTerm(step, solved)).meanS;
}

function visitTerm(step: VisitStep, solved: SolvedStation): LatencyTerm {
  const parts: LatencyTerm[] = [];
  const q = solved.queue;
  if (q && q.waitProbability > 0) parts.push({ kind: 'wait', probability: q.waitProbability, conditionalMeanS: q.conditionalWaitMeanS });
  parts.push({ kind: 'time', time: step.demand, scale: solved.cpuScale });
  if (step.delay) parts.push({ kind: 'time', time: step.delay, scale: 1 });
  return { kind: 'sum', terms: parts };
}

function stepsTerm(steps: readonly SimpleStep[], stations: Map<string, SolvedStation>, pools: Map<string, SolvedPool>): LatencyTerm {
  const terms: LatencyTerm[] = [];
  for (const s of steps) {
    if (s.kind === 'visit') {
      if (s.count === 0) continue;
      const one = visitTerm(s, stations.get(s.stationId)!);
      terms.push(s.count === 1 ? one : { kind: 'repeat', count: s.count, term: one });
    } else if (s.kind === 'acquire') {
      const q = pools.get(s.poolId)!.queue;
      if (q && q.waitProbability > 0) terms.push({ kind: 'wait', probability: q.waitProbability, conditionalMeanS: q.conditionalWaitMeanS });
    }
  }
  return { kind: 'sum', terms };
}

function routeTerm(steps: readonly RouteStep[], stations: Map<string, SolvedStation>, poolList: readonly SolvedPool[]): LatencyTerm {
  const pools = new Map(poolList.map((p) => [p.prediction.poolId, p]));
  const terms = steps.map((step): LatencyTerm => {
    if (step.kind !== 'branch') return stepsTerm([step], stations, pools);
    return { kind: 'mixture', arms: step.arms.map((arm) => ({ probability: arm.probability, term: stepsTerm(arm.steps, stations, pools) })) };
  });
  return { kind: 'sum', terms };
}

function saturatedOnRoute(flow: ClassFlow, stations: Map<string, SolvedStation>, hosts: readonly HostPrediction[], pools: readonly SolvedPool[]): string[] {
  const saturatedHosts = new Set(hosts.filter((h) => h.saturated).map((h) => h.hostId));
  const out = new Set<string>();
  for (const [stationId, sums] of flow.stations) {
    if (sums.visits <= 0) continue;
    const solved = stations.get(stationId)!;
    if (solved.prediction.saturated) out.add(stationId);
    if (saturatedHosts.has(solved.station.hostId)) out.add(solved.station.hostId);
  }
  for (const pool of pools) if (pool.prediction.saturated && (flow.poolAcquisitions.get(pool.prediction.poolId) ?? 0) > 0) out.add(pool.prediction.poolId);
  return [...out];
}

/** The resource that reaches ρ = 1 first when every rate is scaled up, with contention-free demands (X <= c / D). */
function findBottleneck(model: SimulationModel, loads: Map<string, StationLoad>, pools: readonly PoolPrediction[]): Bottleneck {
  let best: Bottleneck = { kind: 'none', id: null, maxRateScale: null, maxThroughputRps: null };
  const consider = (kind: 'station' | 'host' | 'pool', id: string, utilisation: number): void => {
    if (!(utilisation > 0)) return;
    const scale = 1 / utilisation;
    if (best.maxRateScale === null || scale < best.maxRateScale) best = { kind, id, maxRateScale: scale, maxThroughputRps: null };
  };
  const hostsById = new Map(model.hosts.map((h) => [h.id, h]));
  for (const station of model.stations) {
    if (station.discipline === 'ps') continue;
    const load = loads.get(station.id)!;
    const holding = load.meanDemandS / hostsById.get(station.hostId)!.speedFactor + load.meanHoldDelayS;
    consider('station', station.id, (load.visitRateRps * holding) / station.threads);
  }
  for (const host of model.hosts) {
    const cpu = model.stations.filter((s) => s.hostId === host.id).reduce((a, s) => a + loads.get(s.id)!.visitRateRps * loads.get(s.id)!.meanDemandS, 0);
    consider('host', host.id, cpu / host.speedFactor / host.cores);
  }
  for (const pool of pools) if (Number.isFinite(pool.utilisation)) consider('pool', pool.poolId, pool.utilisation);
  const external = model.classes.reduce((a, c) => a + c.rateRps, 0);
  return best.maxRateScale === null ? best : { ...best, maxThroughputRps: best.maxRateScale * external };
}
