import type { Calibration } from '../calibration/calibration-schema.ts';
import { loadSimulationModel } from '../model/load-simulation-model.ts';
import type { Host } from '../model/host.ts';
import type { RequestClass } from '../model/request-class.ts';
import type { RouteStep, SimpleStep } from '../model/route-step.ts';
import type { ServiceTime } from '../model/service-time.ts';
import type { SimulationModel } from '../model/simulation-model.ts';
import type { Station } from '../model/station.ts';
import type { Placement } from './placement.ts';
import type { ReferenceStackShape } from './stack-shape.ts';
import type { ClassWork } from './work-profile.ts';
import { TIER_UNITS, type CostedTier, type UnitCounts } from './work-units.ts';

/**
 * The reference stack as a network of queues (simulator/model): a station per tier instance, a
 * request class per endpoint, routes from the unit counts of the work profile, demands from the
 * calibration, hosts from the placement.
 *
 * Stations and why they look the way they do:
 *   loadgen        the load generator (processor sharing: its sends may run on several threads):
 *                  its CPU per request delays sends and responses on the shared host
 *   proxy          docker-proxy between the generator and nginx (Go: processor sharing)
 *   nginx          worker_processes auto: one thread per core of its host
 *   app-i          one Node event loop per instance (1 thread); its awaits are not service time
 *   redis          single-threaded
 *   memcached-j    memcached -t 2: 2 threads per instance
 *   pgbouncer-s    single-threaded, one per physical shard
 *   postgres-s     backends: min(pgbouncer pool, app instances x app pg.Pool) run at once, the
 *                  rest wait in pgbouncer's queue (the pool is the thread limit)
 *   worker-w       the fan-out worker (1 event loop)
 *   objectstore    processor sharing
 *   background     a processor-sharing load per host: containers' idle CPU (collectors, polling)
 *                  and, on the shared host, other work on the machine
 *
 * A request visits loadgen, proxy and nginx, then one app instance (nginx round-robins; the model
 * draws one uniformly) and, from it, Redis, memcached and each shard with the mean visit counts of
 * the work profile (fractional counts: stochastic rounding per request). Network time is a
 * deterministic delay per request: the calibrated front delay plus a hop delay per backend round
 * trip (parallel gets or statements to several servers count one round trip each phase).
 * Approximations: visits are sequential, so parallel statements to several shards add their CPU
 * rather than overlap (on a 2-core host they mostly cannot overlap anyway); round-robin is drawn
 * at random (more variable arrivals per instance than real round-robin).
 */
export interface StackModelInput {
  shape: ReferenceStackShape;
  /** Request classes with their rates and unit counts (a WorkInterval's classes). */
  classes: readonly ClassWork[];
  calibration: Calibration;
  placement: Placement;
  /** Client timeout per request (the plan's), seconds. */
  timeoutS?: number;
}

/** Rate of the synthetic background jobs; small enough jobs that the load is nearly fluid. */
const BACKGROUND_JOBS_PER_S = 200;
/** memcached -t 2 (containers/services/memcached-service.ts). */
const MEMCACHED_THREADS = 2;
/** Default CPU costs (µs) for tiers no interval measured: assumptions in the order of what was measured here. */
const DEFAULT_UNIT_US: Partial<Record<CostedTier, UnitCounts>> = {
  objectstore: { objectStoreCall: 2000 },
  worker: { job: 1500, fanOutWrite: 15 },
  proxy: { request: 200 },
};

export function tierCostS(calibration: Calibration, tier: CostedTier, units: UnitCounts): number {
  const cost = calibration.costs[tier];
  const perUnit = cost?.perUnitUs ?? (DEFAULT_UNIT_US[tier] as Record<string, number> | undefined) ?? {};
  let us = 0;
  for (const unit of TIER_UNITS[tier] as readonly string[]) us += (perUnit[unit] ?? 0) * ((units as Record<string, number>)[unit] ?? 0);
  return us / 1e6;
}

function backgroundCores(calibration: Calibration, tier: CostedTier, instances: number): number {
  return (calibration.costs[tier]?.backgroundCoresPerInstance ?? 0) * instances;
}

const exp = (meanS: number): ServiceTime => (meanS > 0 ? { kind: 'exponential', meanS } : { kind: 'deterministic', meanS: 0 });
const det = (meanS: number): ServiceTime => ({ kind: 'deterministic', meanS });

function visit(stationId: string, demand: ServiceTime, count = 1, delay?: ServiceTime): SimpleStep {
  return { kind: 'visit', stationId, count, demand, delayHoldsThread: false, ...(delay ? { delay } : {}) };
}

interface Layout {
  hosts: Host[];
  stations: Station[];
  /** Background cores per host. */
  background: Map<string, number>;
}

const QUOTA_KEY: Readonly<Record<string, keyof ReferenceStackShape['cpus']>> = {
  app: 'app',
  worker: 'app',
  postgres: 'postgres',
  pgbouncer: 'pgbouncer',
  redis: 'redis',
  memcached: 'memcached',
  nginx: 'nginx',
};

/** Stations of the stack with their threads, before placement. */
function stackStations(shape: ReferenceStackShape): Array<Omit<Station, 'hostId'> & { costTier: CostedTier | null }> {
  const n = (count: number, make: (i: number) => Omit<Station, 'hostId'> & { costTier: CostedTier | null }) => Array.from({ length: count }, (_, i) => make(i));
  const backends = Math.min(shape.pgbouncerPoolSize, shape.appInstances * shape.appPgPoolMax);
  return [
    { id: 'nginx', tier: 'nginx', threads: 1, discipline: 'fcfs', costTier: 'nginx' },
    ...n(shape.appInstances, (i) => ({ id: `app-${i}`, tier: 'app', threads: 1, discipline: 'fcfs' as const, costTier: 'app' as const })),
    { id: 'redis', tier: 'redis', threads: 1, discipline: 'fcfs', costTier: 'redis' },
    ...n(shape.cache === 'memcached' ? shape.memcachedInstances : 0, (i) => ({ id: `memcached-${i}`, tier: 'memcached', threads: MEMCACHED_THREADS, discipline: 'fcfs' as const, costTier: 'memcached' as const })),
    ...n(shape.physicalShards, (i) => ({ id: `pgbouncer-${i}`, tier: 'pgbouncer', threads: 1, discipline: 'fcfs' as const, costTier: 'pgbouncer' as const })),
    ...n(shape.physicalShards, (i) => ({ id: `postgres-${i}`, tier: 'postgres', threads: backends, discipline: 'fcfs' as const, costTier: 'postgres' as const })),
    ...n(shape.workers, (i) => ({ id: `worker-${i}`, tier: 'worker', threads: 1, discipline: 'fcfs' as const, costTier: 'worker' as const })),
    { id: 'objectstore', tier: 'objectstore', threads: 1, discipline: 'ps', costTier: 'objectstore' },
  ];
}

function layout(shape: ReferenceStackShape, calibration: Calibration, placement: Placement): Layout {
  const stack = stackStations(shape);
  const hosts: Host[] = [];
  const stations: Station[] = [];
  const background = new Map<string, number>();
  const addBackground = (hostId: string, cores: number) => background.set(hostId, (background.get(hostId) ?? 0) + cores);
  const station = (s: (typeof stack)[number], hostId: string, threads = s.threads): Station => ({ id: s.id, tier: s.tier, hostId, threads, discipline: s.discipline });
  if (placement.kind === 'shared') {
    hosts.push({ id: 'machine', cores: placement.cores, replicas: 1, speedFactor: 1 });
    // Other work on the machine, and the generator's own (its collectors) and the proxies' idle CPU.
    addBackground('machine', placement.foreignCores + backgroundCores(calibration, 'generator', 1) + backgroundCores(calibration, 'proxy', 1));
    stations.push({ id: 'loadgen', tier: 'generator', hostId: 'machine', threads: 1, discipline: 'ps' }, { id: 'proxy', tier: 'proxy', hostId: 'machine', threads: 1, discipline: 'ps' });
    for (const s of stack) {
      const quota = QUOTA_KEY[s.tier] ? shape.cpus[QUOTA_KEY[s.tier]!] : undefined;
      const threads = s.tier === 'nginx' ? placement.cores : s.threads;
      if (quota !== undefined) {
        // A quota caps the container at `quota` cores: modelled as a host of its own that fast.
        const cores = Math.max(1, Math.ceil(quota));
        hosts.push({ id: `quota-${s.id}`, cores, replicas: 1, speedFactor: quota / cores });
        stations.push(station(s, `quota-${s.id}`, s.tier === 'nginx' ? cores : threads));
        if (s.costTier) addBackground(`quota-${s.id}`, backgroundCores(calibration, s.costTier, 1));
      } else {
        stations.push(station(s, 'machine', threads));
        if (s.costTier) addBackground('machine', backgroundCores(calibration, s.costTier, 1));
      }
    }
  } else {
    hosts.push({ id: 'client', cores: placement.coresPerHost, replicas: 1, speedFactor: 1 });
    addBackground('client', backgroundCores(calibration, 'generator', 1) + backgroundCores(calibration, 'proxy', 1));
    stations.push({ id: 'loadgen', tier: 'generator', hostId: 'client', threads: 1, discipline: 'ps' }, { id: 'proxy', tier: 'proxy', hostId: 'client', threads: 1, discipline: 'ps' });
    for (const s of stack) {
      const cores = s.tier === 'postgres' ? (placement.postgresCores ?? placement.coresPerHost) : placement.coresPerHost;
      hosts.push({ id: `host-${s.id}`, cores, replicas: 1, speedFactor: 1 });
      stations.push(station(s, `host-${s.id}`, s.tier === 'nginx' ? cores : s.threads));
      if (s.costTier) addBackground(`host-${s.id}`, backgroundCores(calibration, s.costTier, 1));
    }
  }
  return { hosts, stations, background };
}

/** Round trips from the app to backends per request: Redis, memcached gets (and sets after misses), statements. */
export function hopsOf(work: ClassWork, shape: ReferenceStackShape): number {
  const u = work.units;
  const redis = (u.redisCommand ?? 0) > 0 ? 1 : 0;
  const memcached = shape.cache === 'memcached' && (u.memcachedOp ?? 0) > 0 ? 1 + work.queryProbability : 0;
  return redis + memcached + work.queryProbability + ((u.objectStoreCall ?? 0) > 0 ? 1 : 0);
}

/** Deterministic non-CPU time of one request of the class, seconds. */
export function networkDelayS(work: ClassWork, shape: ReferenceStackShape, calibration: Calibration): number {
  const injected = work.endpoint === 'feed.read' ? shape.injectFeedReadDelayMs : 0;
  return (calibration.latency.frontDelayMs + calibration.latency.hopDelayMs * hopsOf(work, shape) + injected) / 1000;
}

function appDemand(seconds: number, cv: number): ServiceTime {
  if (seconds <= 0) return det(0);
  return cv > 0 ? { kind: 'lognormal', meanS: seconds, cv } : det(seconds);
}

/**
 * A cached read's requests are of two kinds, not one average: those whose page hit memcached
 * throughout (no statement) and those with misses, which read every missed row from Postgres and
 * write it back. Averaging them gives every request a fraction of a statement and the mean rows,
 * which hides the tail: the p99 of a warm cache is the requests that missed. Split by the
 * replay's query probability q: a hit part (probability 1 − q) without statements, rows or sets,
 * and a miss part (q) with the class's statements, rows and sets divided by q.
 */
export function splitByMiss(work: ClassWork, shape: ReferenceStackShape): Array<{ probability: number; work: ClassWork }> {
  const q = work.queryProbability;
  const cachedRead = shape.cache === 'memcached' && (work.endpoint === 'feed.read' || work.endpoint === 'media.read');
  if (!cachedRead || !(q > 0.001) || !(q < 0.999)) return [{ probability: 1, work }];
  const u = work.units;
  // Every missed row is written back: one set per row (work-profile.ts).
  const sets = u.dbRow ?? 0;
  const gets = Math.max(0, (u.memcachedOp ?? 0) - sets);
  const hit: ClassWork = {
    ...work,
    units: { ...u, pgQuery: 0, dbRow: 0, memcachedOp: gets },
    pgQueriesByShard: work.pgQueriesByShard.map(() => 0),
    dbRowsByShard: work.dbRowsByShard.map(() => 0),
    queryProbability: 0,
  };
  const miss: ClassWork = {
    ...work,
    units: { ...u, pgQuery: (u.pgQuery ?? 0) / q, dbRow: sets / q, memcachedOp: gets + sets / q },
    pgQueriesByShard: work.pgQueriesByShard.map((v) => v / q),
    dbRowsByShard: work.dbRowsByShard.map((v) => v / q),
    queryProbability: 1,
  };
  return [
    { probability: 1 - q, work: hit },
    { probability: q, work: miss },
  ];
}

/** The route of one class through app instance `i`: its own CPU, then the backends it calls. */
function armSteps(work: ClassWork, shape: ReferenceStackShape, calibration: Calibration, appId: string): SimpleStep[] {
  const u = work.units;
  const steps: SimpleStep[] = [visit(appId, appDemand(tierCostS(calibration, 'app', u), calibration.latency.appServiceCv))];
  const redisCommands = u.redisCommand ?? 0;
  if (redisCommands > 0) steps.push(visit('redis', exp(tierCostS(calibration, 'redis', { redisCommand: redisCommands }))));
  work.memcachedOpsByInstance.forEach((ops, j) => {
    if (ops > 0 && j < shape.memcachedInstances) steps.push(visit(`memcached-${j}`, exp(tierCostS(calibration, 'memcached', { memcachedOp: ops }))));
  });
  work.pgQueriesByShard.forEach((queries, s) => {
    if (!(queries > 0) || s >= shape.physicalShards) return;
    const rowsPerQuery = (work.dbRowsByShard[s] ?? 0) / queries;
    steps.push(visit(`pgbouncer-${s}`, exp(tierCostS(calibration, 'pgbouncer', { pgQuery: 1 })), queries));
    steps.push(visit(`postgres-${s}`, exp(tierCostS(calibration, 'postgres', { pgQuery: 1, dbRow: rowsPerQuery })), queries));
  });
  const calls = u.objectStoreCall ?? 0;
  if (calls > 0) steps.push(visit('objectstore', exp(tierCostS(calibration, 'objectstore', { objectStoreCall: 1 })), calls));
  return steps;
}

function requestClass(work: ClassWork, shape: ReferenceStackShape, calibration: Calibration, timeoutS: number | undefined): RequestClass {
  const requests = work.units.request ?? 1;
  const front: RouteStep[] = [
    visit('loadgen', exp(tierCostS(calibration, 'generator', { request: requests }))),
    visit('proxy', exp(tierCostS(calibration, 'proxy', { request: requests }))),
    visit('nginx', exp(tierCostS(calibration, 'nginx', { request: requests })), 1, det(networkDelayS(work, shape, calibration))),
  ];
  const parts = splitByMiss(work, shape);
  const arms = Array.from({ length: shape.appInstances }, (_, i) =>
    parts.map((part, k) => ({
      id: parts.length === 1 ? `app-${i}` : `app-${i}-${k === 0 ? 'hit' : 'miss'}`,
      probability: part.probability / shape.appInstances,
      steps: armSteps(part.work, shape, calibration, `app-${i}`),
    })),
  ).flat();
  return {
    id: work.endpoint,
    rateRps: work.rateRps,
    steps: [...front, arms.length === 1 ? arms[0]!.steps : { kind: 'branch', id: 'app', arms }].flat() as RouteStep[],
    background: false,
    ...(timeoutS === undefined ? {} : { timeoutS }),
  };
}

/** The worker's job class: fan-out writes pushed to Redis, follower pages read from a shard. */
function fanOutClass(classes: readonly ClassWork[], shape: ReferenceStackShape, calibration: Calibration): RequestClass | null {
  const jobs = classes.reduce((a, c) => a + c.rateRps * c.jobs, 0);
  if (jobs <= 0 || shape.workers === 0) return null;
  const writesPerJob = classes.reduce((a, c) => a + c.rateRps * c.fanOutWrites, 0) / jobs;
  const arms = Array.from({ length: shape.workers }, (_, w) => ({
    id: `worker-${w}`,
    probability: 1 / shape.workers,
    steps: [
      visit(`worker-${w}`, exp(tierCostS(calibration, 'worker', { job: 1, fanOutWrite: writesPerJob }))),
      visit('redis', exp(tierCostS(calibration, 'redis', { redisCommand: 2 * writesPerJob + 6 }))),
      visit(`pgbouncer-0`, exp(tierCostS(calibration, 'pgbouncer', { pgQuery: 1 }))),
      visit(`postgres-0`, exp(tierCostS(calibration, 'postgres', { pgQuery: 1, dbRow: Math.min(1000, writesPerJob) }))),
    ],
  }));
  return { id: 'fanout', rateRps: 0, background: true, steps: arms.length === 1 ? arms[0]!.steps : [{ kind: 'branch', id: 'worker', arms }] };
}

/**
 * The simulation model of one configuration under one load. Pure: the same input gives the same
 * model. Validated by loadSimulationModel (throws CFG_ERR_INVALID on an inconsistent input).
 */
export function buildStackModel(input: StackModelInput): SimulationModel {
  const { shape, calibration, placement } = input;
  const { hosts, stations, background } = layout(shape, calibration, placement);
  const live = input.classes.filter((c) => c.rateRps > 0);
  const classes: RequestClass[] = live.map((work) => requestClass(work, shape, calibration, input.timeoutS));
  const fanOut = fanOutClass(live, shape, calibration);
  if (fanOut) {
    classes.push(fanOut);
    live.forEach((work, i) => {
      if (work.jobs > 0) classes[i] = { ...classes[i]!, steps: [...classes[i]!.steps, { kind: 'spawn', classId: 'fanout', count: work.jobs }] };
    });
  }
  for (const [hostId, cores] of background) {
    if (!(cores > 0)) continue;
    const id = `background@${hostId}`;
    stations.push({ id, tier: 'background', hostId, threads: 1, discipline: 'ps' });
    classes.push({ id, rateRps: BACKGROUND_JOBS_PER_S, background: true, steps: [visit(id, det(cores / BACKGROUND_JOBS_PER_S))] });
  }
  return loadSimulationModel({ hosts, stations, pools: [], classes, schedule: [] });
}
