import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from '../../lib/validate.ts';
import { loadSimulationModel } from '../model/load-simulation-model.ts';
import type { RouteStep, SimpleStep } from '../model/route-step.ts';
import type { ServiceTime } from '../model/service-time.ts';
import type { SimulationModel } from '../model/simulation-model.ts';

/**
 * The 2011 Instagram fleet at its 14M-user peak, as a simulation model. Rates and fleet sizes
 * come from the published figures (FACTS.md: "What Powers Instagram", "Sharding & IDs at
 * Instagram", the 2012–2013 talks); every CPU demand, delay and per-process count is an
 * assumption, named as such, to be replaced by calibrated values (service demand law: CPU-seconds
 * over requests completed, measured per tier).
 */
export const Instagram2011FleetSchema = Type.Object(
  {
    uploadsPerSecond: Type.Number({ minimum: 0, default: 25, description: 'More than 25 photos/s ("Sharding & IDs at Instagram", autumn 2011).' }),
    likesPerSecond: Type.Number({ minimum: 0, default: 90, description: 'More than 90 likes/s (same source).' }),
    readsPerWrite: Type.Number({ minimum: 0, default: 100, description: 'Reads : writes about 100 : 1 (Instagram talks, 2012–2013).' }),
    feedReadShare: Type.Number({ minimum: 0, maximum: 1, default: 0.4, description: 'Share of reads that load a feed; the rest read media pages. Assumption.' }),
    nginxHosts: Type.Integer({ minimum: 1, default: 3, description: '3 nginx behind the ELB (What Powers Instagram).' }),
    appHosts: Type.Integer({ minimum: 1, default: 25, description: '25+ app servers, High-CPU Extra-Large (What Powers Instagram).' }),
    appCores: Type.Integer({ minimum: 1, default: 8, description: 'c1.xlarge: 8 vCPU (AWS).' }),
    appProcessesPerHost: Type.Integer({ minimum: 1, default: 8, description: 'Single-threaded app processes per host (one per core). Assumption.' }),
    shards: Type.Integer({ minimum: 1, default: 12, description: '12 Postgres primaries (What Powers Instagram).' }),
    postgresCores: Type.Integer({ minimum: 1, default: 8, description: 'm2.4xlarge: 8 vCPU (AWS).' }),
    pgbouncerPoolSize: Type.Integer({ minimum: 1, default: 16, description: "pgbouncer server connections per shard. Assumption." }),
    memcachedHosts: Type.Integer({ minimum: 1, default: 6, description: '6 memcached instances (What Powers Instagram).' }),
    redisHosts: Type.Integer({ minimum: 1, default: 4, description: 'Redis masters for feeds and sessions. Assumption (count unpublished).' }),
    workerHosts: Type.Integer({ minimum: 1, default: 10, description: 'Hosts of the ~200 Gearman workers (What Powers Instagram): 10 × 20. Assumption.' }),
    workersPerHost: Type.Integer({ minimum: 1, default: 20 }),
    cacheHitRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.9, description: 'memcached hit ratio of reads (cache/che-approximation.ts can derive it). Assumption.' }),
    fanoutJobsPerUpload: Type.Number({ minimum: 0, default: 4, description: 'Fan-out batches per upload (followers / batch size). Assumption.' }),
  },
  { additionalProperties: false },
);
export type Instagram2011Fleet = Static<typeof Instagram2011FleetSchema>;

const ms = (meanMs: number): ServiceTime => ({ kind: 'exponential', meanS: meanMs / 1000 });
const lognormalMs = (meanMs: number, cv: number): ServiceTime => ({ kind: 'lognormal', meanS: meanMs / 1000, cv });

function visit(stationId: string, demand: ServiceTime, extra: { delay?: ServiceTime; delayHoldsThread?: boolean; count?: number } = {}): SimpleStep {
  return { kind: 'visit', stationId, count: extra.count ?? 1, demand, delayHoldsThread: extra.delayHoldsThread ?? false, ...(extra.delay ? { delay: extra.delay } : {}) };
}

/** A query on the request's shard: a pgbouncer token held across pgbouncer and Postgres (CPU plus I/O wait holding the backend). */
function shardQuery(cpuMs: number, ioMs: number): SimpleStep[] {
  return [
    { kind: 'acquire', poolId: 'pgbouncer-pool' },
    visit('pgbouncer', ms(0.05)),
    visit('postgres', ms(cpuMs), { delay: ms(ioMs), delayHoldsThread: true }),
    { kind: 'release', poolId: 'pgbouncer-pool' },
  ];
}

function cacheLookup(hitRatio: number, missQuery: SimpleStep[]): RouteStep[] {
  return [
    visit('memcached', ms(0.1)),
    {
      kind: 'branch',
      id: 'cache',
      arms: [
        { id: 'hit', probability: hitRatio, steps: [] },
        { id: 'miss', probability: 1 - hitRatio, steps: [...missQuery, visit('memcached', ms(0.05))] },
      ],
    },
  ];
}

/** Builds the 2011 fleet model; every parameter has a default (see Instagram2011FleetSchema). */
export function buildInstagram2011Model(overrides: Partial<Instagram2011Fleet> = {}): SimulationModel {
  const p = validateConfig(Instagram2011FleetSchema, overrides, 'Instagram 2011 fleet');
  const readsPerSecond = (p.uploadsPerSecond + p.likesPerSecond) * p.readsPerWrite;
  const nginx = visit('nginx', ms(0.3));
  return loadSimulationModel({
    hosts: [
      { id: 'nginx-host', cores: 8, replicas: p.nginxHosts },
      { id: 'app-host', cores: p.appCores, replicas: p.appHosts },
      { id: 'shard-host', cores: p.postgresCores, replicas: p.shards },
      { id: 'memcached-host', cores: 4, replicas: p.memcachedHosts },
      { id: 'redis-host', cores: 8, replicas: p.redisHosts },
      { id: 'worker-host', cores: 8, replicas: p.workerHosts },
      // S3: a latency, not a capacity limit at this scale.
      { id: 's3', cores: 1_000 },
    ],
    stations: [
      { id: 'nginx', tier: 'nginx', hostId: 'nginx-host', threads: 8 },
      { id: 'app', tier: 'app', hostId: 'app-host', threads: p.appProcessesPerHost },
      { id: 'pgbouncer', tier: 'pgbouncer', hostId: 'shard-host', threads: 1 },
      { id: 'postgres', tier: 'postgres', hostId: 'shard-host', threads: p.pgbouncerPoolSize },
      { id: 'memcached', tier: 'memcached', hostId: 'memcached-host', threads: 4 },
      { id: 'redis', tier: 'redis', hostId: 'redis-host', threads: 1 },
      { id: 'worker', tier: 'worker', hostId: 'worker-host', threads: p.workersPerHost },
      { id: 'objectstore', tier: 'objectstore', hostId: 's3', discipline: 'ps' },
    ],
    pools: [{ id: 'pgbouncer-pool', size: p.pgbouncerPoolSize, hostId: 'shard-host' }],
    classes: [
      {
        id: 'feed.read',
        rateRps: readsPerSecond * p.feedReadShare,
        timeoutS: 10,
        steps: [nginx, visit('app', lognormalMs(5, 1)), visit('redis', ms(0.15)), ...cacheLookup(p.cacheHitRatio, shardQuery(1, 0.5)), visit('app', lognormalMs(6, 1))],
      },
      {
        id: 'media.read',
        rateRps: readsPerSecond * (1 - p.feedReadShare),
        timeoutS: 10,
        steps: [nginx, visit('app', lognormalMs(3, 1)), ...cacheLookup(p.cacheHitRatio, shardQuery(0.8, 0.5)), visit('app', lognormalMs(3, 1))],
      },
      {
        id: 'media.like',
        rateRps: p.likesPerSecond,
        timeoutS: 10,
        steps: [nginx, visit('app', lognormalMs(3, 1)), ...shardQuery(1.5, 2), visit('redis', ms(0.05)), visit('memcached', ms(0.05)), visit('app', lognormalMs(1, 1))],
      },
      {
        id: 'upload.complete',
        rateRps: p.uploadsPerSecond,
        timeoutS: 30,
        steps: [
          nginx,
          visit('app', lognormalMs(10, 1)),
          visit('objectstore', ms(0.1), { delay: lognormalMs(80, 0.5) }),
          ...shardQuery(1.5, 2),
          { kind: 'spawn', classId: 'feed.fanout', count: p.fanoutJobsPerUpload },
          visit('app', lognormalMs(2, 1)),
        ],
      },
      {
        id: 'feed.fanout',
        rateRps: 0,
        steps: [visit('worker', lognormalMs(15, 1)), ...shardQuery(2, 1), visit('redis', ms(1))],
      },
    ],
  });
}
