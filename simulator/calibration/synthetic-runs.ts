import { createLatencyHistogram, encodeHistogram, recordUs, toLatency } from '../../lib/histogram.ts';
import { createRng } from '../../lib/random/prng.ts';
import { RESULT_SCHEMA_VERSION, type RunResult } from '../../lib/result-schema.ts';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import type { ReferenceStackShape } from '../reference-stack/stack-shape.ts';
import { profileWork, type TracePlan, type WorkloadSource } from '../reference-stack/work-profile.ts';
import { TIER_UNITS, type WorkUnit } from '../reference-stack/work-units.ts';
import type { MeasuredRun } from './calibration-input.ts';
import type { Calibration } from './calibration-schema.ts';
import type { ClassWork } from '../reference-stack/work-profile.ts';

/**
 * Runs made from known costs, for tests of the calibration: the workload is replayed for the
 * plan and shape, and every container's CPU series is exactly what the given costs and
 * backgrounds make of the replayed unit rates (plus optional noise). A calibration of such runs
 * must give the costs back. Latencies are drawn lognormal around `latencyP50Ms`.
 */
export interface SyntheticCosts {
  /** Per tier: background cores per container and µs per unit. */
  [tier: string]: { backgroundCores: number; perUnitUs: Partial<Record<WorkUnit, number>> };
}

export const SYNTHETIC_SHAPE: ReferenceStackShape = {
  appInstances: 2,
  physicalShards: 1,
  logicalShards: 512,
  cache: 'memcached',
  memcachedInstances: 1,
  memcachedMemoryMb: 128,
  pgbouncerPoolSize: 20,
  appPgPoolMax: 10,
  workers: 1,
  fanOut: 'queue',
  replicas: 0,
  readFromReplica: false,
  injectFeedReadDelayMs: 0,
  cpus: {},
};

export const SYNTHETIC_COSTS: SyntheticCosts = {
  nginx: { backgroundCores: 0.002, perUnitUs: { request: 90 } },
  app: { backgroundCores: 0.03, perUnitUs: { request: 400, memcachedOp: 25, dbRow: 30, pgQuery: 250, redisCommand: 40 } },
  pgbouncer: { backgroundCores: 0.001, perUnitUs: { pgQuery: 60 } },
  postgres: { backgroundCores: 0.006, perUnitUs: { pgQuery: 300, dbRow: 12 } },
  redis: { backgroundCores: 0.004, perUnitUs: { redisCommand: 20 } },
  memcached: { backgroundCores: 0.003, perUnitUs: { memcachedOp: 4 } },
  worker: { backgroundCores: 0.008, perUnitUs: {} },
};

const LABELS: Record<string, (shape: ReferenceStackShape) => string[]> = {
  nginx: () => ['nginx'],
  app: (s) => Array.from({ length: s.appInstances }, (_, i) => `app-${i}`),
  pgbouncer: (s) => Array.from({ length: s.physicalShards }, (_, i) => `pgbouncer-${i}`),
  postgres: (s) => Array.from({ length: s.physicalShards }, (_, i) => `pg-${i}`),
  redis: () => ['redis'],
  memcached: (s) => (s.cache === 'memcached' ? Array.from({ length: s.memcachedInstances }, (_, i) => `memcached-${i}`) : []),
  worker: (s) => Array.from({ length: s.workers }, (_, i) => `worker-${i}`),
};

export interface SyntheticRunOptions {
  configuration: string;
  shape: ReferenceStackShape;
  plan: TracePlan & { name: string };
  source: WorkloadSource;
  costs?: SyntheticCosts;
  /** Relative noise on each CPU sample (uniform ±noise); default 0. */
  noise?: number;
  latencyP50Ms?: number;
  seed?: number;
  startedAt?: string;
}

export function syntheticRun(options: SyntheticRunOptions): MeasuredRun {
  const { shape, plan } = options;
  const costs = options.costs ?? SYNTHETIC_COSTS;
  const rng = createRng(options.seed ?? 7);
  const profile = profileWork(options.source, plan, shape);
  const startedAtMs = Date.parse(options.startedAt ?? '2026-01-01T00:00:00.000Z');
  const collectorsStartMs = startedAtMs - 500;
  const offsetS = 0.5;
  const intervals = profile.intervals.length > 0 ? profile.intervals : [profile.total];
  const containers: ServerMetrics['containers'] = [];
  const series = (perSecond: (tS: number) => number) => {
    const points: Array<{ tS: number; value: number }> = [];
    const totalS = plan.warmupS + plan.durationS;
    for (let t = 1; t <= Math.ceil(totalS + offsetS) + 1; t++) points.push({ tS: t, value: perSecond(t) });
    return points;
  };
  const intervalAt = (tS: number) => {
    const windowS = tS - offsetS - plan.warmupS;
    return intervals.find((i) => windowS > i.startS && windowS <= i.startS + i.durationS) ?? intervals[0]!;
  };
  const unitRate = (tS: number, unit: WorkUnit) => intervalAt(tS).classes.reduce((a, c) => a + c.rateRps * (c.units[unit] ?? 0), 0);
  for (const [tier, labels] of Object.entries(LABELS)) {
    const names = labels(shape);
    const cost = costs[tier] ?? { backgroundCores: 0, perUnitUs: {} };
    for (const name of names) {
      const points = series((t) => {
        let cores = cost.backgroundCores;
        for (const unit of (TIER_UNITS as Record<string, readonly WorkUnit[]>)[tier] ?? []) cores += (unitRate(t, unit) * (cost.perUnitUs[unit] ?? 0)) / 1e6 / names.length;
        return cores * (1 + (options.noise ?? 0) * (2 * rng.nextFloat() - 1));
      });
      containers.push({ name: `synthetic-${name}`, service: name, series: points.map((p) => ({ tS: p.tS, cpuPercent: p.value * 100, memoryBytes: 1 })), summary: { cpuPercentMean: 0, cpuPercentMax: 0, memoryBytesMax: 1, memoryLimitBytes: 1 } });
    }
  }
  const apps = Array.from({ length: shape.appInstances }, (_, i) => {
    const share = 1 / shape.appInstances;
    const points = series((t) => t).map((p) => {
      const misses = unitRate(p.tS, 'dbRow') * share;
      const lookups = shape.cache === 'memcached' ? (unitRate(p.tS, 'memcachedOp') * share - misses) : misses;
      return {
        tS: p.tS,
        requestsPerS: unitRate(p.tS, 'request') * share,
        cacheHitsPerS: Math.max(0, lookups - misses),
        cacheMissesPerS: misses,
        pgQueriesPerS: unitRate(p.tS, 'pgQuery') * share,
        cpuCoreFraction: 0,
        residentMemoryBytes: 1,
        eventLoopLagP99Ms: null,
      };
    });
    return {
      instance: `app-${i}`,
      url: `http://app-${i}`,
      series: points,
      summary: { requests: 0, routes: [], cacheHits: 0, cacheMisses: 0, cacheHitRatio: null, pgQueriesByShard: {}, cpuCoreFractionMean: 0, residentMemoryBytesMax: 1 },
    };
  });
  const redisPoints = series((t) => unitRate(t, 'redisCommand'));
  const server: ServerMetrics = {
    sampling: { startedAt: new Date(collectorsStartMs).toISOString(), durationS: plan.warmupS + plan.durationS, intervalMs: 1000, sampleTimeoutMs: 900, ticks: redisPoints.length, collectors: {} },
    redis: {
      series: redisPoints.map((p) => ({ tS: p.tS, commandsPerS: p.value, instantaneousOpsPerS: p.value, usedMemoryBytes: 20_000_000, keys: 1, connectedClients: 1 })),
      summary: { commands: 0, commandsPerSMean: 0, commandsPerSMax: 0, usedMemoryBytesMax: 20_000_000, keysEnd: 1 },
    },
    postgres: [],
    pgbouncer: [],
    nginx: { available: false, linesParsed: 0, linesUnparsed: 0, requestTime: { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 }, upstreams: [] },
    apps,
    containers,
    ...(shape.cache === 'memcached'
      ? {
          memcached: {
            series: series((t) => t).map((p) => {
              const c = intervalAt(p.tS);
              const hit = c.cacheHitRatio ?? 0;
              const gets = unitRate(p.tS, 'memcachedOp') - unitRate(p.tS, 'dbRow');
              return { tS: p.tS, getHitsPerS: gets * hit, getMissesPerS: gets * (1 - hit), hitRatio: hit, evictionsPerS: 0, currItems: 1000, bytes: 263_000 };
            }),
            summary: { getHits: 0, getMisses: 0, hitRatio: null, evictions: 0, currItemsMax: 1000, bytesMax: 263_000, instances: [] },
          },
        }
      : {}),
  };
  const p50Us = (options.latencyP50Ms ?? 5) * 1000;
  const histogramOf = (count: number) => {
    const h = createLatencyHistogram();
    for (let k = 0; k < count; k++) recordUs(h, p50Us * Math.exp(0.4 * normal(rng)));
    return h;
  };
  const steps =
    profile.intervals.length > 1 || plan.arrival.kind === 'steps'
      ? profile.intervals.map((i) => ({
          rateRps: i.rateRps,
          startS: i.startS,
          durationS: i.durationS,
          endpoints: i.classes.map((c) => {
            const sent = Math.round(c.rateRps * i.durationS);
            const h = histogramOf(sent);
            return { endpoint: c.endpoint, p99Ms: h.getValueAtPercentile(99) / 1000, errorRate: 0, sent, ok: sent, histogram: encodeHistogram(h) };
          }),
        }))
      : undefined;
  const endpoints = profile.total.classes.map((c) => {
    const sent = Math.round(c.rateRps * plan.durationS);
    const latency = toLatency(histogramOf(sent));
    return { endpoint: c.endpoint, intended: sent, sent, ok: sent, errors: {}, unserved: 0, throughputRps: c.rateRps, fromIntended: latency, latencyFrom: 'intended' as const, fromSend: latency };
  });
  const rate = profile.total.rateRps;
  const run: RunResult = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    configuration: options.configuration,
    plan: plan.name,
    repeat: 0,
    attempt: 0,
    driver: 'open-loop',
    loadModel: 'open',
    seed: options.source.seed,
    startedAt: new Date(startedAtMs).toISOString(),
    durationS: plan.durationS,
    warmupS: plan.warmupS,
    timeoutMs: 2000,
    generator: { cpuCoreFraction: 0.01 + rate * 0.0003, eventLoopDelayP99Ms: 1, eventLoopDelayMaxMs: 2, intendedRateRps: rate, achievedRateRps: rate, sendLagP99Ms: 1, sendLagP999Ms: 2, completedRateRps: rate, valid: true, reasons: [] },
    endpoints,
    ...(steps ? { steps } : {}),
    server,
  };
  return { run, stack: shape, plan };
}

function normal(rng: { nextFloat(): number }): number {
  const u = Math.max(1e-12, rng.nextFloat());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
}

/** A calibration with the synthetic costs, for tests of the model and the fleet. */
export const TEST_CALIBRATION: Calibration = {
  schemaVersion: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  host: { cores: 2, memoryBytes: 1, platform: 'linux-x64', node: 'v20' },
  workload: { seed: 2011, overrides: {} },
  runs: [],
  method: 'test',
  costs: {
    nginx: { backgroundCoresPerInstance: 0.002, perUnitUs: { request: 90 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
    app: { backgroundCoresPerInstance: 0.03, perUnitUs: { request: 400, memcachedOp: 25, dbRow: 30, pgQuery: 250, redisCommand: 40 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
    pgbouncer: { backgroundCoresPerInstance: 0.001, perUnitUs: { pgQuery: 60 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
    postgres: { backgroundCoresPerInstance: 0.006, perUnitUs: { pgQuery: 300, dbRow: 12 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
    redis: { backgroundCoresPerInstance: 0.004, perUnitUs: { redisCommand: 20 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
    memcached: { backgroundCoresPerInstance: 0.003, perUnitUs: { memcachedOp: 4 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
    generator: { backgroundCoresPerInstance: 0, perUnitUs: { request: 300 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
    proxy: { backgroundCoresPerInstance: 0, perUnitUs: { request: 150 }, rmsResidualCores: 0, intervals: 1, source: 'fit' },
  },
  latency: { frontDelayMs: 1.5, hopDelayMs: 0.2, appServiceCv: 1, fittedIntervals: 1, maxUtilisation: 0.1 },
  cache: { itemBytes: 304, checks: [] },
  storage: { redisBytesPerFeedEntry: 12, redisBytesPerSession: 110, redisBytesPerMapPair: 95, redisMeasuredBytes: null, postgresBytesPerMediaRow: 260, postgresBytesPerUserRow: 140, postgresBytesPerFollowRow: 90, source: 'test' },
  notes: [],
};

/** Feed reads with fixed unit counts spread over `shards`. */
export function feedReads(rateRps: number, shards: number): ClassWork {
  return {
    endpoint: 'feed.read',
    rateRps,
    units: { request: 1, redisCommand: 1, memcachedOp: 22, dbRow: 2, pgQuery: Math.min(shards, 1.5) },
    pgQueriesByShard: Array.from({ length: shards }, () => Math.min(shards, 1.5) / shards),
    dbRowsByShard: Array.from({ length: shards }, () => 2 / shards),
    memcachedOpsByInstance: [22],
    queryProbability: 0.5,
    fanOutWrites: 0,
    jobs: 0,
  };
}

