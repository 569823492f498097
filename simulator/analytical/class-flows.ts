import type { RouteStep, SimpleStep } from '../model/route-step.ts';
import { timeMoments } from '../model/service-time-moments.ts';
import type { SimulationModel } from '../model/simulation-model.ts';

/**
 * What one request of a class asks of each station, as expected values over its branches and
 * visit counts: the inputs of the service demand law (D = V · S) and of the M/M/c stations.
 * Per visit, demand X (CPU-seconds) and a thread-holding delay Dh are independent.
 */
export interface StationVisitSums {
  /** V: mean visits per request. */
  visits: number;
  /** Σ visits · E[X]: the CPU demand per request, reference-core seconds. */
  demandS: number;
  /** Σ visits · E[X²]. */
  demandSecondS2: number;
  /** Σ visits · E[Dh] for delays that hold the thread. */
  holdDelayS: number;
  /** Σ visits · E[Dh²]. */
  holdDelaySecondS2: number;
  /** Σ visits · E[X] · E[Dh]. */
  demandTimesHoldS2: number;
  /** Σ visits · E[delay] for delays that hold nothing. */
  freeDelayS: number;
}

export interface ClassFlow {
  classId: string;
  /** Poisson rate from the generator plus the mean rate of spawned child jobs, fleet-wide. */
  arrivalRateRps: number;
  stations: Map<string, StationVisitSums>;
  /** Mean acquisitions of each pool per request. */
  poolAcquisitions: Map<string, number>;
  /** Mean child jobs of each class per request. */
  spawns: Map<string, number>;
}

/**
 * Flows of every class: effective arrival rates λ_r (own rate plus Σ_parents λ_p · E[spawns])
 * in topological order of the spawn graph (acyclic: load-simulation-model.ts checks it), and the
 * per-station visit sums of one request.
 */
export function classFlows(model: SimulationModel): ClassFlow[] {
  const flows = model.classes.map((c) => summariseRoute(c.id, c.rateRps, c.steps));
  const byId = new Map(flows.map((f) => [f.classId, f]));
  for (const flow of topologicalOrder(flows)) {
    for (const [childId, perRequest] of flow.spawns) byId.get(childId)!.arrivalRateRps += flow.arrivalRateRps * perRequest;
  }
  return flows;
}

function summariseRoute(classId: string, rateRps: number, steps: readonly RouteStep[]): ClassFlow {
  const flow: ClassFlow = { classId, arrivalRateRps: rateRps, stations: new Map(), poolAcquisitions: new Map(), spawns: new Map() };
  for (const step of steps) {
    if (step.kind === 'branch') {
      for (const arm of step.arms) for (const s of arm.steps) addStep(flow, s, arm.probability);
    } else {
      addStep(flow, step, 1);
    }
  }
  return flow;
}

function addStep(flow: ClassFlow, step: SimpleStep, weight: number): void {
  switch (step.kind) {
    case 'visit': {
      const v = weight * step.count;
      const x = timeMoments(step.demand);
      const d = step.delay ? timeMoments(step.delay) : { meanS: 0, secondMomentS2: 0 };
      const sums = flow.stations.get(step.stationId) ?? emptySums();
      sums.visits += v;
      sums.demandS += v * x.meanS;
      sums.demandSecondS2 += v * x.secondMomentS2;
      if (step.delayHoldsThread) {
        sums.holdDelayS += v * d.meanS;
        sums.holdDelaySecondS2 += v * d.secondMomentS2;
        sums.demandTimesHoldS2 += v * x.meanS * d.meanS;
      } else {
        sums.freeDelayS += v * d.meanS;
      }
      flow.stations.set(step.stationId, sums);
      return;
    }
    case 'acquire':
      flow.poolAcquisitions.set(step.poolId, (flow.poolAcquisitions.get(step.poolId) ?? 0) + weight);
      return;
    case 'spawn':
      flow.spawns.set(step.classId, (flow.spawns.get(step.classId) ?? 0) + weight * step.count);
      return;
    case 'release':
      return;
  }
}

function emptySums(): StationVisitSums {
  return { visits: 0, demandS: 0, demandSecondS2: 0, holdDelayS: 0, holdDelaySecondS2: 0, demandTimesHoldS2: 0, freeDelayS: 0 };
}

function topologicalOrder(flows: readonly ClassFlow[]): ClassFlow[] {
  const byId = new Map(flows.map((f) => [f.classId, f]));
  const done = new Set<string>();
  const order: ClassFlow[] = [];
  const visit = (flow: ClassFlow): void => {
    if (done.has(flow.classId)) return;
    done.add(flow.classId);
    for (const childId of flow.spawns.keys()) visit(byId.get(childId)!);
    order.push(flow);
  };
  for (const f of flows) visit(f);
  return order.reverse();
}
