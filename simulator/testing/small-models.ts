import { loadSimulationModel } from '../model/load-simulation-model.ts';
import type { RouteStep } from '../model/route-step.ts';
import type { ScheduleEvent } from '../model/schedule.ts';
import type { ServiceTime } from '../model/service-time.ts';
import type { SimulationModel } from '../model/simulation-model.ts';

/** Small models with closed-form answers, shared by the analytical and DES tests. */

export function exponential(meanS: number): ServiceTime {
  return { kind: 'exponential', meanS };
}

export function visit(stationId: string, demand: ServiceTime, extra: Partial<Extract<RouteStep, { kind: 'visit' }>> = {}): RouteStep {
  return { kind: 'visit', stationId, count: 1, demand, delayHoldsThread: false, ...extra };
}

/** One station with `servers` threads on a host with as many cores: M/M/c (M/M/1 for 1). */
export function singleStationModel(options: { rateRps: number; demand: ServiceTime; servers?: number; discipline?: 'fcfs' | 'ps'; cores?: number; timeoutS?: number; maxInFlight?: number }): SimulationModel {
  const servers = options.servers ?? 1;
  return loadSimulationModel({
    hosts: [{ id: 'box', cores: options.cores ?? servers }],
    stations: [{ id: 'server', tier: 'app', hostId: 'box', threads: servers, discipline: options.discipline ?? 'fcfs' }],
    classes: [
      {
        id: 'req',
        rateRps: options.rateRps,
        steps: [visit('server', options.demand)],
        ...(options.timeoutS === undefined ? {} : { timeoutS: options.timeoutS }),
        ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      },
    ],
  });
}

/**
 * A three-tier route on dedicated hosts: nginx (1 thread) -> app (1 thread, two visits) ->
 * cache hit 80% / miss 20% to a 4-backend database, each exponential. Moderate load: ρ ≈ 0.5–0.7.
 */
export function threeTierModel(rateRps = 100): SimulationModel {
  return loadSimulationModel({
    hosts: [
      { id: 'edge', cores: 1 },
      { id: 'app-host', cores: 1 },
      { id: 'cache-host', cores: 1 },
      { id: 'db-host', cores: 4 },
    ],
    stations: [
      { id: 'nginx', tier: 'nginx', hostId: 'edge' },
      { id: 'app', tier: 'app', hostId: 'app-host' },
      { id: 'cache', tier: 'memcached', hostId: 'cache-host' },
      { id: 'db', tier: 'postgres', hostId: 'db-host', threads: 4 },
    ],
    classes: [
      {
        id: 'read',
        rateRps,
        steps: [
          visit('nginx', exponential(0.005)),
          visit('app', exponential(0.003)),
          {
            kind: 'branch',
            id: 'cache',
            arms: [
              { id: 'hit', probability: 0.8, steps: [visit('cache', exponential(0.004))] },
              { id: 'miss', probability: 0.2, steps: [visit('cache', exponential(0.004)), visit('db', exponential(0.1))] },
            ],
          },
          visit('app', exponential(0.003)),
        ],
      },
    ],
  });
}

/**
 * Cache-aside reads on one host: every read visits the cache, then branch 'cache' (arms [hit, miss])
 * sends the misses to a database. Schedules change the rate and the hit probability.
 */
export function cacheAsideModel(options: { rateRps: number; hitProbability: number; cacheDemand: ServiceTime; dbDemand: ServiceTime; cores: number; schedule?: ScheduleEvent[] }): SimulationModel {
  return loadSimulationModel({
    hosts: [{ id: 'box', cores: options.cores }],
    stations: [
      { id: 'cache', tier: 'memcached', hostId: 'box' },
      { id: 'db', tier: 'postgres', hostId: 'box' },
    ],
    classes: [
      {
        id: 'read',
        rateRps: options.rateRps,
        steps: [
          visit('cache', options.cacheDemand),
          {
            kind: 'branch',
            id: 'cache',
            arms: [
              { id: 'hit', probability: options.hitProbability, steps: [] },
              { id: 'miss', probability: 1 - options.hitProbability, steps: [visit('db', options.dbDemand)] },
            ],
          },
        ],
      },
    ],
    schedule: options.schedule ?? [],
  });
}
