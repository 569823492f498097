import { validateConfig } from '../../lib/validate.ts';
import { createWorkloadModel, deriveOperationMix, referenceRateRps, type WorkloadModel } from '../../scenarios/workload/model.ts';
import { solveOpenNetwork } from '../analytical/open-network.ts';
import type { Calibration } from '../calibration/calibration-schema.ts';
import { loadSimulationModel } from '../model/load-simulation-model.ts';
import type { RequestClass } from '../model/request-class.ts';
import type { SimpleStep } from '../model/route-step.ts';
import type { ServiceTime } from '../model/service-time.ts';
import type { SimulationModel } from '../model/simulation-model.ts';
import { networkDelayS, tierCostS } from '../reference-stack/build-stack-model.ts';
import { expectedShardsQueried, fitFeedPopularity, steadyHitRatio, type PopularityFit } from '../reference-stack/cache-popularity.ts';
import type { EndpointPrediction } from '../reference-stack/predict-stack.ts';
import type { ReferenceStackShape } from '../reference-stack/stack-shape.ts';
import { prepareWorkload, profileWork, type ClassWork } from '../reference-stack/work-profile.ts';
import type { CostedTier } from '../reference-stack/work-units.ts';
import { FLEET_2011, FleetOptionsSchema, type FleetOptions } from './fleet-options.ts';

/**
 * The fleet that serves N users at 2011 peak per-user rates and meets the SLO, from the
 * calibrated cost of each unit of work (docs/modelling.md "Scale-up"):
 *
 *   1. rates: the workload model's 2011 peak (25 uploads/s, 90 likes/s, 100 reads per write, the
 *      derived mix) scaled by N / 14M (the scale rule, docs/facts.md);
 *   2. unit counts per request: write classes from the replayed workload at the calibration's
 *      scale (per-user ratios are scale-free); feed and media reads recomputed at scale: the
 *      memcached hit ratio by Che's approximation on a Zipf catalogue of N x photos-per-user
 *      objects (exponent measured on the replayed feed reads), the statements per page from the
 *      misses spread over the shards;
 *   3. each tier sized so its CPU stays at or below maxUtilisation (app: one single-threaded Node
 *      process per core; pgbouncer and Redis: one core each per instance), Postgres also by data
 *      in memory, Redis by memory, memcached by the memory that reaches the target hit ratio;
 *   4. the sized fleet solved as an open queueing network (host groups with replicas); while an
 *      endpoint's p99 misses the SLO, the bottleneck tier grows.
 * Containers' idle CPU on the test machine (collectors, polling) is harness overhead and left out.
 */
export interface FleetTier {
  tier: string;
  hosts: number;
  coresPerHost: number;
  /** Cores the tier's work needs (demand x rate), on calibration-machine cores. */
  cpuCoresNeeded: number;
  /** Predicted mean CPU utilisation of a host of the tier. */
  utilisation: number;
  memoryGbNeeded: number | null;
  sizedBy: 'cpu' | 'memory' | 'slo' | 'minimum';
}

export interface FleetComparison {
  tier: string;
  predictedHosts: number;
  /** The prediction in 2011 hosts of the same role (cores scaled by coreSpeedVs2011). */
  predictedHosts2011Cores: number;
  hosts2011: number | null;
  ratio: number | null;
  source: string;
}

export interface FleetSizing {
  users: number;
  totalRateRps: number;
  classes: Array<{ endpoint: string; rateRps: number }>;
  cache: { popularity: PopularityFit; catalogueItems: number; memoryGb: number; hitRatio: number };
  tiers: FleetTier[];
  endpoints: EndpointPrediction[];
  bottleneck: { tier: string; utilisation: number };
  storage: { postgresDataGb: number; redisGb: number };
  /** App CPU per request of the mix on the calibration machine, µs; and what 25 x 8 2011 vCPUs imply. */
  appCost: { ourUsPerRequest: number; implied2011UsPerRequest: number; impliedAtUtilisation: number };
  comparison: FleetComparison[];
  notes: string[];
}

const FEED_PAGE = 20;
const GB = 1e9;

interface Sized {
  nginx: number;
  app: number;
  shards: number;
  redis: number;
  memcached: number;
  workers: number;
}

function readWork(endpoint: string, rateRps: number, missRatio: number, shards: number, cacheOn: boolean): ClassWork {
  const lookups = endpoint === 'feed.read' ? FEED_PAGE : 1;
  const rows = lookups * missRatio;
  const queries = endpoint === 'feed.read' ? expectedShardsQueried(lookups, missRatio, shards) : missRatio;
  return {
    endpoint,
    rateRps,
    units: { request: 1, redisCommand: endpoint === 'feed.read' ? 1 : 0, memcachedOp: cacheOn ? lookups + rows : 0, dbRow: rows, pgQuery: queries },
    pgQueriesByShard: [queries],
    dbRowsByShard: [rows],
    memcachedOpsByInstance: [cacheOn ? lookups + rows : 0],
    queryProbability: endpoint === 'feed.read' ? Math.min(1, 1 - Math.pow(1 - missRatio, lookups)) : missRatio,
    fanOutWrites: 0,
    jobs: 0,
  };
}

const exp = (meanS: number): ServiceTime => (meanS > 0 ? { kind: 'exponential', meanS } : { kind: 'deterministic', meanS: 0 });

/** The fleet as host groups with replicas (simulator/model), for the SLO check. */
export function buildFleetModel(classes: readonly ClassWork[], sized: Sized, options: FleetOptions, calibration: Calibration, shape: ReferenceStackShape): SimulationModel {
  const v = (stationId: string, demand: ServiceTime, count = 1, delay?: ServiceTime): SimpleStep => ({ kind: 'visit', stationId, count, demand, delayHoldsThread: false, ...(delay ? { delay } : {}) });
  const requestClasses: RequestClass[] = classes.map((work) => {
    const q = work.units.pgQuery ?? 0;
    const rows = work.units.dbRow ?? 0;
    const steps: SimpleStep[] = [
      v('nginx', exp(tierCostS(calibration, 'nginx', { request: work.units.request ?? 1 })), 1, { kind: 'deterministic', meanS: networkDelayS(work, shape, calibration) }),
      v('app', { kind: 'lognormal', meanS: Math.max(1e-7, tierCostS(calibration, 'app', work.units)), cv: calibration.latency.appServiceCv }),
    ];
    if ((work.units.redisCommand ?? 0) > 0) steps.push(v('redis', exp(tierCostS(calibration, 'redis', { redisCommand: work.units.redisCommand! }))));
    if ((work.units.memcachedOp ?? 0) > 0) steps.push(v('memcached', exp(tierCostS(calibration, 'memcached', { memcachedOp: work.units.memcachedOp! }))));
    if (q > 0) {
      steps.push(v('pgbouncer', exp(tierCostS(calibration, 'pgbouncer', { pgQuery: 1 })), q));
      steps.push(v('postgres', exp(tierCostS(calibration, 'postgres', { pgQuery: 1, dbRow: rows / q })), q));
    }
    return { id: work.endpoint, rateRps: work.rateRps, background: false, steps };
  });
  const jobs = classes.reduce((a, c) => a + c.rateRps * c.jobs, 0);
  if (jobs > 0) {
    const writes = classes.reduce((a, c) => a + c.rateRps * c.fanOutWrites, 0) / jobs;
    requestClasses.push({
      id: 'fanout',
      rateRps: jobs,
      background: true,
      steps: [v('worker', exp(tierCostS(calibration, 'worker', { job: 1, fanOutWrite: writes }))), v('redis', exp(tierCostS(calibration, 'redis', { redisCommand: 2 * writes + 6 })))],
    });
  }
  return loadSimulationModel({
    hosts: [
      { id: 'nginx-host', cores: options.nginxHostCores, replicas: sized.nginx },
      { id: 'app-host', cores: options.appHostCores, replicas: sized.app },
      { id: 'shard-host', cores: options.postgresHostCores, replicas: sized.shards },
      { id: 'redis-host', cores: 2, replicas: sized.redis },
      { id: 'memcached-host', cores: options.memcachedHostCores, replicas: sized.memcached },
      { id: 'worker-host', cores: options.workerHostCores, replicas: Math.max(1, sized.workers) },
    ],
    stations: [
      { id: 'nginx', tier: 'nginx', hostId: 'nginx-host', threads: options.nginxHostCores },
      { id: 'app', tier: 'app', hostId: 'app-host', threads: options.appHostCores },
      { id: 'pgbouncer', tier: 'pgbouncer', hostId: 'shard-host', threads: 1 },
      { id: 'postgres', tier: 'postgres', hostId: 'shard-host', threads: 2 * options.postgresHostCores },
      { id: 'redis', tier: 'redis', hostId: 'redis-host', threads: 1 },
      { id: 'memcached', tier: 'memcached', hostId: 'memcached-host', threads: options.memcachedHostCores },
      { id: 'worker', tier: 'worker', hostId: 'worker-host', threads: options.workerHostCores },
    ],
    classes: requestClasses,
  });
}

export function sizeFleet(input: { options: Partial<FleetOptions> & Pick<FleetOptions, 'users'>; calibration: Calibration; workload?: Partial<WorkloadModel> }): FleetSizing {
  const options = validateConfig(FleetOptionsSchema, input.options, 'fleet options');
  const { calibration } = input;
  const overrides = input.workload ?? (calibration.workload.overrides as Partial<WorkloadModel>);
  const workload = createWorkloadModel(overrides);
  const source = { workload: overrides, seed: calibration.workload.seed, logicalShards: 512 };
  const notes: string[] = [];
  const totalRateRps = (referenceRateRps(workload) * options.users) / workload.referenceUsers;
  const mix = deriveOperationMix(workload);
  const shape: ReferenceStackShape = {
    appInstances: 1, physicalShards: 1, logicalShards: 512, cache: 'off', memcachedInstances: 1, memcachedMemoryMb: 128, pgbouncerPoolSize: 20, appPgPoolMax: 10,
    workers: 1, fanOut: 'queue', replicas: 0, readFromReplica: false, injectFeedReadDelayMs: 0, cpus: {},
  };
  // Write classes: unit counts of the replayed 2011 mix (per-user ratios do not change with scale).
  const profile = profileWork(source, { mix, arrival: { kind: 'constant', rateRps: 200 }, warmupS: 0, durationS: 120 }, shape);
  const writes = profile.total.classes.filter((c) => c.endpoint !== 'feed.read' && c.endpoint !== 'media.read');

  // The cache: Che on a Zipf catalogue with the replay's measured exponent. The catalogue is what
  // feed pages can show (the newest media of each account: the replay measures how many per user),
  // not every photo ever taken; an item's popularity is its owner's (followers of a Zipf graph),
  // so the exponent carries over to any scale.
  const popularity = fitFeedPopularity(source);
  const { dataset, feeds } = prepareWorkload(source);
  const objectsPerUser = popularity.objects / Math.max(1, dataset.users.length);
  const catalogueItems = objectsPerUser * options.users;
  const itemsFor = (gb: number) => (gb * GB * 0.9) / calibration.cache.itemBytes;
  let lo = 0;
  let hi = (catalogueItems * calibration.cache.itemBytes) / GB / 0.9;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (steadyHitRatio(catalogueItems, popularity.exponent, itemsFor(mid)) >= options.targetHitRatio) hi = mid;
    else lo = mid;
  }
  const cacheGb = hi;
  const memcachedByMemory = Math.max(1, Math.ceil(cacheGb / options.memcachedHostMemoryGb));
  const hitRatio = steadyHitRatio(catalogueItems, popularity.exponent, itemsFor(memcachedByMemory * options.memcachedHostMemoryGb));
  notes.push(
    `memcached: feed items' popularity is Zipf with exponent ${popularity.exponent.toFixed(3)} (measured on ${popularity.gets} replayed feed gets: about the follow graph's ${workload.followerZipfExponent}) ` +
      `over ${objectsPerUser.toFixed(1)} feed-visible media per user; above exponent 1 the head holds most requests at any scale, so ${cacheGb.toFixed(2)} GB reach a ${(options.targetHitRatio * 100).toFixed(0)}% hit ratio. The model caches media objects of feed pages only`,
  );

  // Storage.
  let entries = 0;
  for (const list of feeds.values()) entries += list.length;
  const feedEntriesPerUser = entries / Math.max(1, dataset.users.length);
  const s = calibration.storage;
  const users = options.users;
  const media = workload.photosPerUser * users;
  const follows = workload.meanFollowing * users;
  const postgresDataGb = (media * s.postgresBytesPerMediaRow + users * s.postgresBytesPerUserRow + 2 * follows * s.postgresBytesPerFollowRow) / GB;
  const redisGb = (users * feedEntriesPerUser * s.redisBytesPerFeedEntry + users * s.redisBytesPerSession + media * s.redisBytesPerMapPair) / GB;

  const classesAt = (shards: number): ClassWork[] => [
    ...(['feed.read', 'media.read'] as const).map((e) => readWork(e, totalRateRps * (mix[e] ?? 0), 1 - hitRatio, shards, true)),
    ...writes.map((w) => ({ ...w, rateRps: totalRateRps * (mix[w.endpoint as keyof typeof mix] ?? 0) })),
  ];
  const cpu = (classes: readonly ClassWork[], tier: CostedTier) =>
    classes.reduce((a, c) => a + c.rateRps * (tier === 'worker' ? tierCostS(calibration, 'worker', { job: c.jobs, fanOutWrite: c.fanOutWrites }) : tierCostS(calibration, tier, c.units)), 0);
  const u = options.maxUtilisation;
  let shards = 1;
  let classes = classesAt(shards);
  for (let i = 0; i < 30; i++) {
    classes = classesAt(shards);
    const byCpu = Math.ceil(cpu(classes, 'postgres') / (options.postgresHostCores * u));
    const byBouncer = Math.ceil(cpu(classes, 'pgbouncer') / u);
    const byMemory = Math.ceil(postgresDataGb / (options.postgresHostMemoryGb * options.postgresMemoryShare));
    const next = Math.max(1, byCpu, byBouncer, byMemory);
    if (next === shards) break;
    shards = next;
  }
  const sized: Sized = {
    nginx: Math.max(1, Math.ceil(cpu(classes, 'nginx') / (options.nginxHostCores * u))),
    app: Math.max(1, Math.ceil(Math.ceil(cpu(classes, 'app') / u) / options.appHostCores)),
    shards,
    redis: Math.max(1, Math.ceil(cpu(classes, 'redis') / u), Math.ceil(redisGb / (options.redisHostMemoryGb * options.redisMemoryShare))),
    memcached: Math.max(memcachedByMemory, Math.ceil(cpu(classes, 'memcached') / (options.memcachedHostCores * u))),
    workers: Math.max(1, Math.ceil(Math.ceil(cpu(classes, 'worker') / u) / options.workerHostCores)),
  };
  const sizedBy: Record<keyof Sized, FleetTier['sizedBy']> = {
    nginx: 'cpu',
    app: 'cpu',
    shards: Math.ceil(postgresDataGb / (options.postgresHostMemoryGb * options.postgresMemoryShare)) >= shards ? 'memory' : 'cpu',
    redis: Math.ceil(redisGb / (options.redisHostMemoryGb * options.redisMemoryShare)) >= sized.redis ? 'memory' : 'cpu',
    memcached: memcachedByMemory >= sized.memcached ? 'memory' : 'cpu',
    workers: 'cpu',
  };

  // The SLO check: solve the fleet; grow the bottleneck while an endpoint misses the SLO.
  const tierOfGroup: Record<string, keyof Sized> = { 'nginx-host': 'nginx', 'app-host': 'app', 'shard-host': 'shards', 'redis-host': 'redis', 'memcached-host': 'memcached', 'worker-host': 'workers' };
  let prediction = solveOpenNetwork(buildFleetModel(classes, sized, options, calibration, shape));
  for (let i = 0; i < 40; i++) {
    const missing = prediction.classes.filter((c) => c.classId !== 'fanout' && (!c.stable || (c.percentiles?.p99S ?? Infinity) * 1000 > options.sloP99Ms));
    if (missing.length === 0) break;
    const worst = [...prediction.hosts].sort((a, b) => b.cpuUtilisation - a.cpuUtilisation)[0]!;
    const tier = tierOfGroup[worst.hostId]!;
    sized[tier] = Math.ceil(sized[tier] * 1.1 + 0.5);
    sizedBy[tier] = 'slo';
    if (tier === 'shards') classes = classesAt(sized.shards);
    prediction = solveOpenNetwork(buildFleetModel(classes, sized, options, calibration, shape));
  }
  if (prediction.classes.some((c) => c.classId !== 'fanout' && (!c.stable || (c.percentiles?.p99S ?? Infinity) * 1000 > options.sloP99Ms))) notes.push(`the SLO (p99 <= ${options.sloP99Ms} ms) is not met by any fleet tried: the non-CPU latency alone exceeds it`);

  const hostUtil = (hostId: string) => prediction.hosts.find((h) => h.hostId === hostId)?.cpuUtilisation ?? 0;
  const tiers: FleetTier[] = [
    { tier: 'nginx', hosts: sized.nginx, coresPerHost: options.nginxHostCores, cpuCoresNeeded: cpu(classes, 'nginx'), utilisation: hostUtil('nginx-host'), memoryGbNeeded: null, sizedBy: sizedBy.nginx },
    { tier: 'app', hosts: sized.app, coresPerHost: options.appHostCores, cpuCoresNeeded: cpu(classes, 'app'), utilisation: hostUtil('app-host'), memoryGbNeeded: null, sizedBy: sizedBy.app },
    { tier: 'postgres (+ pgbouncer)', hosts: sized.shards, coresPerHost: options.postgresHostCores, cpuCoresNeeded: cpu(classes, 'postgres') + cpu(classes, 'pgbouncer'), utilisation: hostUtil('shard-host'), memoryGbNeeded: postgresDataGb, sizedBy: sizedBy.shards },
    { tier: 'redis', hosts: sized.redis, coresPerHost: 1, cpuCoresNeeded: cpu(classes, 'redis'), utilisation: hostUtil('redis-host'), memoryGbNeeded: redisGb, sizedBy: sizedBy.redis },
    { tier: 'memcached', hosts: sized.memcached, coresPerHost: options.memcachedHostCores, cpuCoresNeeded: cpu(classes, 'memcached'), utilisation: hostUtil('memcached-host'), memoryGbNeeded: cacheGb, sizedBy: sizedBy.memcached },
    { tier: 'worker', hosts: sized.workers, coresPerHost: options.workerHostCores, cpuCoresNeeded: cpu(classes, 'worker'), utilisation: hostUtil('worker-host'), memoryGbNeeded: null, sizedBy: sizedBy.workers },
  ];
  const endpoints: EndpointPrediction[] = prediction.classes
    .filter((c) => classes.some((w) => w.endpoint === c.classId))
    .map((c) => ({
      endpoint: c.classId,
      rateRps: c.arrivalRateRps,
      throughputRps: c.arrivalRateRps,
      stable: c.stable,
      p50Ms: c.percentiles?.p50S == null ? null : c.percentiles.p50S * 1000,
      p90Ms: c.percentiles?.p90S == null ? null : c.percentiles.p90S * 1000,
      p99Ms: c.percentiles?.p99S == null ? null : c.percentiles.p99S * 1000,
      p999Ms: c.percentiles?.p999S == null ? null : c.percentiles.p999S * 1000,
      meanMs: c.meanResponseS === null ? null : c.meanResponseS * 1000,
    }));
  const busiest = [...prediction.hosts].sort((a, b) => b.cpuUtilisation - a.cpuUtilisation)[0]!;
  const ourUsPerRequest = (cpu(classes, 'app') / totalRateRps) * 1e6;
  const impliedAt = u;
  const implied2011 = ((FLEET_2011.app.hosts * FLEET_2011.app.cores * impliedAt) / ((referenceRateRps(workload) * 14_000_000) / workload.referenceUsers)) * 1e6;
  const speed = options.coreSpeedVs2011;
  const in2011 = (hosts: number, cores: number, cores2011: number) => Math.ceil((hosts * cores * speed) / cores2011);
  const comparison: FleetComparison[] = [
    { tier: 'nginx', predictedHosts: sized.nginx, predictedHosts2011Cores: in2011(sized.nginx, options.nginxHostCores, 8), hosts2011: FLEET_2011.nginx.hosts, ratio: null, source: FLEET_2011.nginx.source },
    { tier: 'app', predictedHosts: sized.app, predictedHosts2011Cores: in2011(sized.app, options.appHostCores, FLEET_2011.app.cores), hosts2011: FLEET_2011.app.hosts, ratio: null, source: FLEET_2011.app.source },
    { tier: 'postgres primaries', predictedHosts: sized.shards, predictedHosts2011Cores: Math.max(in2011(sized.shards, options.postgresHostCores, FLEET_2011.postgres.cores), Math.ceil(postgresDataGb / (FLEET_2011.postgres.memoryGb * options.postgresMemoryShare))), hosts2011: FLEET_2011.postgres.hosts, ratio: null, source: FLEET_2011.postgres.source },
    { tier: 'memcached', predictedHosts: sized.memcached, predictedHosts2011Cores: sized.memcached, hosts2011: FLEET_2011.memcached.hosts, ratio: null, source: FLEET_2011.memcached.source },
    { tier: 'redis', predictedHosts: sized.redis, predictedHosts2011Cores: sized.redis, hosts2011: FLEET_2011.redis.hosts, ratio: null, source: FLEET_2011.redis.source },
    { tier: 'worker', predictedHosts: sized.workers, predictedHosts2011Cores: in2011(sized.workers, options.workerHostCores, 8), hosts2011: FLEET_2011.worker.hosts, ratio: null, source: FLEET_2011.worker.source },
  ].map((c) => ({ ...c, ratio: c.hosts2011 === null ? null : c.predictedHosts2011Cores / c.hosts2011 }));
  notes.push(
    `app: ${ourUsPerRequest.toFixed(0)} µs of Node CPU per request of the mix here; 25 x 8 vCPU at ${(impliedAt * 100).toFixed(0)}% at the 2011 peak imply ${implied2011.toFixed(0)} µs of 2011 vCPU per request (${(implied2011 / speed).toFixed(0)} µs of a core here at coreSpeedVs2011 = ${speed})`,
    'containers’ idle CPU on the test machine (collectors, queue polling) is harness overhead and is left out of the fleet',
  );
  return {
    users,
    totalRateRps,
    classes: classes.map((c) => ({ endpoint: c.endpoint, rateRps: c.rateRps })),
    cache: { popularity, catalogueItems, memoryGb: cacheGb, hitRatio },
    tiers,
    endpoints,
    bottleneck: { tier: busiest.hostId.replace(/-host$/, ''), utilisation: busiest.cpuUtilisation },
    storage: { postgresDataGb, redisGb },
    appCost: { ourUsPerRequest, implied2011UsPerRequest: implied2011, impliedAtUtilisation: impliedAt },
    comparison,
    notes,
  };
}
