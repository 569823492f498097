import { FeedscaleError } from '../../lib/errors.ts';
import { classFlows } from '../analytical/class-flows.ts';
import { modelAtTime } from '../model/model-at-time.ts';
import type { RequestClass } from '../model/request-class.ts';
import type { RouteStep, SimpleStep } from '../model/route-step.ts';
import type { ScheduleEvent } from '../model/schedule.ts';
import type { SimulationModel } from '../model/simulation-model.ts';

export interface ReducedModel {
  model: SimulationModel;
  /** Share of each class's requests simulated end to end and measured: 1 / sliceFactor. */
  sampleFraction: number;
  /** K: the largest replica count of any host group. */
  sliceFactor: number;
}

/**
 * The representative-replica reduction: simulate one replica of every host group instead of the
 * whole fleet, at each replica's share of the traffic.
 *
 * Why it holds: the load balancer and the shard hash send each request (and each spawned job) to
 * a replica uniformly at random, independently per host group, and the replicas of a group are
 * identical; so replica 0 of group g sees 1/n_g of the group's traffic (a thinned Poisson stream),
 * and a request's latency has the same distribution whichever replicas it picked
 * (exchangeability). It suffices to follow a sample of requests through replica 0 everywhere, as
 * long as every replica 0 carries its full share of the load.
 *
 * Construction, with K = max_g n_g:
 *   - measured: every class at its generator rate λ_r / K, its whole route through the single
 *     replica of every group, spawn steps removed (children are generated below);
 *   - fillers (background): for every class r and group g with n_g < K, Poisson arrivals at
 *     λ_r·(1/n_g − 1/K) doing only the steps of r's route on g (visits to its stations, its pools;
 *     branches kept), so replica 0 of g carries λ_r / n_g of r;
 *   - spawned jobs: a background "spawner" per parent class replays the parent's spawn steps at
 *     the parent's fleet-wide rate; each child goes through a "dispatcher" that makes it a measured
 *     child with probability 1/K and, independently, a filler of each group g with probability
 *     1/n_g − 1/K. A fan-out batch thus reaches replica 0 thinned child by child, as the fleet
 *     spreads it, and replica 0 of g carries 1/n_g of the children;
 *   - time-varying rates: at every schedule time the filler and spawner rates are recomputed (set-
 *     branch events are copied to the derived classes), so steps, ramps and warm-ups carry over.
 *
 * Approximations, measured by representative-replica.test.ts against the full fleet: a filler
 * skips the time its request spends on other groups (two visits of one filler to a group follow
 * each other at once); filler streams are Poisson (superposition of many replicas' streams,
 * Palm–Khintchine); spawned children start when their spawner arrives rather than after the
 * parent's earlier steps; a child can be both measured and a filler of g (probability
 * (1/K)(1/n_g − 1/K)), which keeps its mean load exact; an in-flight cap is scaled to
 * max(1, round(cap / K)). Pools must be replicated with a host group and cover only steps on it
 * (pgbouncer's pool per shard does); a pool spanning groups cannot be split and is refused.
 */
export function representativeReplicaModel(model: SimulationModel): ReducedModel {
  const sliceFactor = Math.max(...model.hosts.map((h) => h.replicas));
  if (sliceFactor === 1) return { model, sampleFraction: 1, sliceFactor };
  const hostOfStation = new Map(model.stations.map((s) => [s.id, s.hostId]));
  const hostOfPool = new Map(model.pools.map((p) => [p.id, p.hostId]));
  const replicas = new Map(model.hosts.map((h) => [h.id, h.replicas]));
  checkPoolsStayOnTheirGroup(model, hostOfStation, hostOfPool);
  const groupOf = (step: SimpleStep): string | undefined => {
    if (step.kind === 'visit') return hostOfStation.get(step.stationId);
    if (step.kind === 'acquire' || step.kind === 'release') return hostOfPool.get(step.poolId);
    return undefined;
  };
  /** Filler share of group g: what replica 0 still needs beyond the measured 1/K. */
  const share = (hostId: string) => 1 / replicas.get(hostId)! - 1 / sliceFactor;
  const restricted = (steps: readonly RouteStep[], keep: (s: SimpleStep) => SimpleStep | null): RouteStep[] =>
    steps.flatMap((step): RouteStep[] => {
      if (step.kind === 'branch') return [{ ...step, arms: step.arms.map((arm) => ({ ...arm, steps: arm.steps.flatMap((s) => keep(s) ?? []) })) }];
      const kept = keep(step);
      return kept ? [kept] : [];
    });

  const fillerGroups = new Map(model.classes.map((cls) => [cls.id, groupsOf(cls.steps, groupOf).filter((g) => share(g) > 0)]));
  const fillerId = (classId: string, hostId: string) => `${classId}~${hostId}`;
  const fillers: RequestClass[] = model.classes.flatMap((cls) =>
    fillerGroups.get(cls.id)!.map(
      (hostId): RequestClass => ({
        id: fillerId(cls.id, hostId),
        rateRps: cls.rateRps * share(hostId),
        background: true,
        steps: restricted(cls.steps, (s) => (s.kind !== 'spawn' && groupOf(s) === hostId ? s : null)),
      }),
    ),
  );

  const parents = model.classes.filter((cls) => spawnTargets(cls.steps).length > 0);
  const children = [...new Set(parents.flatMap((cls) => spawnTargets(cls.steps)))];
  const spawnerId = (classId: string) => `${classId}~spawner`;
  const dispatcherId = (classId: string) => `${classId}~dispatcher`;
  const effectiveRates = (atS: number) => new Map(classFlows(modelAtTime(model, atS)).map((f) => [f.classId, f.arrivalRateRps]));
  const initialRates = effectiveRates(0);
  const spawners: RequestClass[] = parents.map((cls) => ({
    id: spawnerId(cls.id),
    rateRps: initialRates.get(cls.id)!,
    background: true,
    steps: restricted(cls.steps, (s) => (s.kind === 'spawn' ? { ...s, classId: dispatcherId(s.classId) } : null)),
  }));
  const spawnWithProbability = (id: string, probability: number, classId: string): RouteStep => ({
    kind: 'branch',
    id,
    arms: [
      { id: 'yes', probability, steps: [{ kind: 'spawn', classId, count: 1 }] },
      { id: 'no', probability: 1 - probability, steps: [] },
    ],
  });
  const dispatchers: RequestClass[] = children.map((childId) => ({
    id: dispatcherId(childId),
    rateRps: 0,
    background: true,
    steps: [
      spawnWithProbability('~measured', 1 / sliceFactor, childId),
      ...fillerGroups.get(childId)!.map((hostId) => spawnWithProbability(`~${hostId}`, share(hostId), fillerId(childId, hostId))),
    ],
  }));

  const classes: RequestClass[] = [
    ...model.classes.map((cls) => ({
      ...cls,
      rateRps: cls.rateRps / sliceFactor,
      steps: restricted(cls.steps, (s) => (s.kind === 'spawn' ? null : s)),
      ...(cls.maxInFlight === undefined ? {} : { maxInFlight: Math.max(1, Math.round(cls.maxInFlight / sliceFactor)) }),
    })),
    ...fillers,
    ...spawners,
    ...dispatchers,
  ];

  const schedule: ScheduleEvent[] = [];
  for (const event of model.schedule) {
    if (event.kind === 'set-rate') {
      schedule.push({ ...event, rateRps: event.rateRps / sliceFactor });
      for (const hostId of fillerGroups.get(event.classId)!) schedule.push({ ...event, classId: fillerId(event.classId, hostId), rateRps: event.rateRps * share(hostId) });
    } else {
      schedule.push(event);
      for (const hostId of fillerGroups.get(event.classId)!) schedule.push({ ...event, classId: fillerId(event.classId, hostId) });
      if (parents.some((p) => p.id === event.classId)) schedule.push({ ...event, classId: spawnerId(event.classId) });
    }
  }
  for (const atS of [...new Set(model.schedule.map((e) => e.atS))].sort((a, b) => a - b)) {
    const rates = effectiveRates(atS);
    for (const p of parents) schedule.push({ atS, kind: 'set-rate', classId: spawnerId(p.id), rateRps: rates.get(p.id)! });
  }

  return {
    model: { ...model, hosts: model.hosts.map((h) => ({ ...h, replicas: 1 })), classes, schedule },
    sampleFraction: 1 / sliceFactor,
    sliceFactor,
  };
}

function groupsOf(steps: readonly RouteStep[], groupOf: (s: SimpleStep) => string | undefined): string[] {
  const groups = new Set<string>();
  for (const step of steps) {
    for (const s of step.kind === 'branch' ? step.arms.flatMap((a) => a.steps) : [step]) {
      const g = groupOf(s);
      if (g !== undefined) groups.add(g);
    }
  }
  return [...groups].sort();
}

function spawnTargets(steps: readonly RouteStep[]): string[] {
  return steps.flatMap((step) => (step.kind === 'branch' ? step.arms.flatMap((a) => a.steps) : [step])).flatMap((s) => (s.kind === 'spawn' ? [s.classId] : []));
}

function checkPoolsStayOnTheirGroup(model: SimulationModel, hostOfStation: Map<string, string>, hostOfPool: Map<string, string | undefined>): void {
  const problems: string[] = [];
  const walk = (classId: string, steps: readonly SimpleStep[], held: string[]): void => {
    for (const s of steps) {
      if (s.kind === 'acquire') {
        if (hostOfPool.get(s.poolId) === undefined) problems.push(`class '${classId}': pool '${s.poolId}' has no hostId, so it cannot be split per replica`);
        held.push(s.poolId);
      } else if (s.kind === 'release') held.splice(held.lastIndexOf(s.poolId), 1);
      else if (s.kind === 'visit') {
        for (const poolId of held) {
          if (hostOfPool.get(poolId) !== hostOfStation.get(s.stationId)) {
            problems.push(`class '${classId}': pool '${poolId}' is held across a visit to '${s.stationId}' on another host group`);
          }
        }
      }
    }
  };
  for (const cls of model.classes) {
    const held: string[] = [];
    for (const step of cls.steps) {
      if (step.kind === 'branch') for (const arm of step.arms) walk(cls.id, arm.steps, [...held]);
      else walk(cls.id, [step], held);
    }
  }
  if (problems.length > 0) {
    const unique = [...new Set(problems)];
    throw new FeedscaleError('CFG_ERR_INVALID', `the representative-replica reduction cannot split this model:\n  ${unique.join('\n  ')}`, { details: unique });
  }
}
