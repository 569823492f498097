import { FeedscaleError } from '../../lib/errors.ts';
import { predictStack } from '../reference-stack/predict-stack.ts';
import type { Placement } from '../reference-stack/placement.ts';
import { TIER_UNITS, WORK_UNITS, type CostedTier, type WorkUnit } from '../reference-stack/work-units.ts';
import { prepareWorkload } from '../reference-stack/work-profile.ts';
import { hopsOf } from '../reference-stack/build-stack-model.ts';
import { memcachedItemBytes } from '../cache/cache-capacity.ts';
import { CALIBRATION_SCHEMA_VERSION, type Calibration, type CalibrationHost, type CalibrationRun, type LatencyCalibration, type StorageCalibration, type TierCost } from './calibration-schema.ts';
import { replayRun, type MeasuredRun, type MeasuredWorkload, type ReplayedInterval, type ReplayedRun } from './calibration-input.ts';
import type { HostCpuSeries } from './host-load.ts';
import { nnls } from './nnls.ts';
import type { ServiceTier } from './service-tier.ts';

/**
 * Calibration from measured runs (the service demand law with a background term, fitted by
 * least squares). Pure: the runs, their stacks and plans in; a Calibration out.
 *
 * CPU. For every tier, over every measured interval (each step of a stepped run, or a constant
 * run's window) of every run:
 *
 *   U_tier = β_tier · containers_tier + Σ_unit c_tier,unit · rate_unit
 *
 * U from the containers' CPU (docker stats, summed over the tier), unit rates from the apps' own
 * counters where they exist (memcached operations, rows hydrated from Postgres, statements) and
 * from the replayed workload otherwise (Redis commands, object-store calls, fan-out writes).
 * Non-negative least squares with a small ridge: a unit the runs cannot tell from another shares
 * its cost rather than going negative. CPU-seconds per unit do not depend on placement: on a
 * shared host contention stretches time, not CPU time. That is how calibration removes
 * co-location effects; the model puts contention back for the placement it predicts.
 * The load generator's CPU per request comes from the runs' generator health (whole runs), the
 * port proxy's from the host sampler when the job sampled the host.
 *
 * Latency. The non-CPU part (loopback, docker-proxy, bridge round trips) is what the CPU model
 * cannot explain: for the busiest interval of every run that the model puts at most half busy,
 * measured p50 minus the model's p50 with no network time, fitted as front + hop × round trips
 * per request. The spread of an app request's CPU (lognormal CV) is then fitted to the same
 * intervals' p99.
 *
 * Identifiability: with feed reads only, request, Redis command and nginx work move together;
 * shards and cache on/off are what separate statements, rows and memcached operations, so the
 * calibration configurations should differ in them (runner/calibration picks 1 shard with the
 * cache, 1 shard without, 4 shards without).
 */
export interface CalibrateInput {
  runs: readonly MeasuredRun[];
  workload: MeasuredWorkload;
  host: CalibrationHost;
  /** Passed in: calibration reads no clock. */
  createdAt: string;
  /** The machine's CPU over the job, when it was sampled. */
  hostCpu?: HostCpuSeries | null;
}

const COSTED_FROM_CONTAINERS: ReadonlyArray<CostedTier & ServiceTier> = ['nginx', 'app', 'pgbouncer', 'postgres', 'redis', 'memcached', 'objectstore', 'worker'];
const RIDGE = 1e-4;
/** Intervals with more foreign load than this share of the host's cores say little about latency. */
const MAX_FOREIGN_SHARE_FOR_LATENCY = 0.25;
/** Latency delays are fitted below this host utilisation (model), where queueing is still a small part of p50. */
const LATENCY_FIT_MAX_UTILISATION = 0.5;

/** Prior costs (µs) for units no interval exercised; what an unexercised unit costs is an assumption. */
const PRIOR_UNIT_US: Partial<Record<CostedTier, Partial<Record<WorkUnit, number>>>> = {
  objectstore: { objectStoreCall: 2000 },
  worker: { job: 1500, fanOutWrite: 15 },
  proxy: { request: 200 },
  generator: { request: 300 },
};

export function calibrate(input: CalibrateInput): Calibration {
  if (input.runs.length === 0) throw new FeedscaleError('CFG_ERR_INVALID', 'calibration needs at least one measured run');
  const replayed = input.runs.map((r) => replayRun(r, input.workload, input.hostCpu));
  const notes: string[] = [];
  const usable = replayed.filter((r) => r.intervals.length > 0);
  if (usable.length === 0) throw new FeedscaleError('CFG_ERR_INVALID', 'no run has server-side metrics: nothing to calibrate from');
  const intervals = usable.flatMap((r) => r.intervals);

  const costs: Record<string, TierCost> = {};
  for (const tier of COSTED_FROM_CONTAINERS) costs[tier] = fitTier(tier, intervals, notes);
  costs.generator = fitGenerator(usable, notes);
  costs.proxy = fitProxy(intervals, notes);

  const partial: Calibration = {
    schemaVersion: CALIBRATION_SCHEMA_VERSION,
    createdAt: input.createdAt,
    host: input.host,
    workload: { seed: input.workload.seed, overrides: { ...input.workload.overrides } },
    runs: replayed.map((r) => runEntry(r)),
    method:
      'CPU: non-negative least squares of each tier’s container CPU on work-unit rates plus a per-container background, over every measured interval (steps of stepped runs); latency: residuals at low load, front + hop delay, lognormal app CPU spread fitted to p99.',
    costs,
    latency: { frontDelayMs: 0, hopDelayMs: 0, appServiceCv: 1, fittedIntervals: 0, maxUtilisation: 0 },
    cache: cacheCalibration(usable),
    storage: storageCalibration(usable, input.workload),
    notes,
  };
  return { ...partial, latency: fitLatency(partial, usable, input.host.cores, notes) };
}

function runEntry(r: ReplayedRun): CalibrationRun {
  const foreign = r.intervals.map((i) => i.foreignCores).filter((v): v is number => v !== null);
  const entry: CalibrationRun = {
    configuration: r.measured.run.configuration,
    plan: r.measured.run.plan,
    repeat: r.measured.run.repeat,
    attempt: r.measured.run.attempt,
    startedAt: r.measured.run.startedAt,
    stack: r.measured.stack,
    intervals: r.intervals.length,
    meanRateRps: r.measured.run.generator.achievedRateRps,
    used: r.intervals.length > 0,
  };
  if (foreign.length > 0) entry.foreignCores = round(foreign.reduce((a, b) => a + b, 0) / foreign.length, 3);
  if (r.intervals.length === 0) entry.excludedReason = 'no server-side metrics';
  return entry;
}

/** Unit rates of an interval: the apps' counters where they exist, the replayed workload for the rest. */
export function unitRatesOf(interval: ReplayedInterval): Record<WorkUnit, number> {
  const rates = Object.fromEntries(WORK_UNITS.map((u) => [u, 0])) as Record<WorkUnit, number>;
  for (const c of interval.work.classes) {
    for (const unit of WORK_UNITS) rates[unit] += c.rateRps * (c.units[unit] ?? 0);
    rates.fanOutWrite += c.rateRps * c.fanOutWrites;
    rates.job += c.rateRps * c.jobs;
  }
  const measured = interval.observation.unitRates;
  rates.request = interval.observation.completedRps;
  for (const unit of ['memcachedOp', 'dbRow', 'pgQuery'] as const) if (measured[unit] !== undefined) rates[unit] = measured[unit]!;
  return rates;
}

function fitTier(tier: CostedTier & ServiceTier, intervals: readonly ReplayedInterval[], notes: string[]): TierCost {
  const units = TIER_UNITS[tier] as readonly WorkUnit[];
  const rows: number[][] = [];
  const targets: number[] = [];
  for (const interval of intervals) {
    const cores = interval.observation.cpuCores[tier];
    const instances = interval.observation.instances[tier] ?? 0;
    if (cores === undefined || instances === 0) continue;
    const rates = unitRatesOf(interval);
    rows.push([instances, ...units.map((u) => rates[u])]);
    targets.push(cores);
  }
  const prior = PRIOR_UNIT_US[tier] ?? {};
  if (rows.length === 0) {
    notes.push(`${tier}: no interval measured it; default costs (assumptions) used`);
    return { backgroundCoresPerInstance: 0, perUnitUs: { ...prior } as Record<string, number>, rmsResidualCores: 0, intervals: 0, source: 'default' };
  }
  const exercised = units.map((_, j) => rows.some((row) => row[j + 1]! > 0));
  const fit = nnls(
    rows.map((row) => row.filter((_, j) => j === 0 || exercised[j - 1])),
    targets,
    { ridge: RIDGE },
  );
  const perUnitUs: Record<string, number> = {};
  let k = 1;
  units.forEach((unit, j) => {
    if (exercised[j]) perUnitUs[unit] = round(fit.x[k++]! * 1e6, 2);
    else if (prior[unit] !== undefined) {
      perUnitUs[unit] = prior[unit]!;
      notes.push(`${tier}: no run exercised ${unit}; ${prior[unit]} µs per unit assumed`);
    }
  });
  return { backgroundCoresPerInstance: round(fit.x[0]!, 5), perUnitUs, rmsResidualCores: round(fit.rmsResidual, 5), intervals: rows.length, source: 'fit' };
}

/**
 * A client-side cost (the generator process, docker-proxy) as cores = β + c · rate. The rates must
 * spread by at least 20% for the fit to split β from c; a fit that puts nothing per request
 * (noise larger than the signal, or other jobs' proxies in the samples) falls back to the prior
 * cost per request, the rest as background.
 */
function fitClientSide(tier: 'generator' | 'proxy', points: ReadonlyArray<{ rateRps: number; cores: number }>, notes: string[]): TierCost {
  const prior = PRIOR_UNIT_US[tier]!.request!;
  const rates = points.map((p) => p.rateRps);
  const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
  const spread = mean > 0 ? (Math.max(...rates) - Math.min(...rates)) / mean : 0;
  const fallback = (why: string): TierCost => {
    const background = points.reduce((a, p) => a + Math.max(0, p.cores - (p.rateRps * prior) / 1e6), 0) / Math.max(1, points.length);
    notes.push(`${tier}: ${why}; ${prior} µs per request assumed, the rest (${(background * 1000).toFixed(0)} mcores) as background`);
    return { backgroundCoresPerInstance: round(background, 5), perUnitUs: { request: prior }, rmsResidualCores: 0, intervals: points.length, source: 'default' };
  };
  if (spread < 0.2) return fallback('the runs are all at about one rate, so background and per-request CPU cannot be told apart');
  const fit = nnls(points.map((p) => [1, p.rateRps]), points.map((p) => p.cores), { ridge: RIDGE });
  if (!(fit.x[1]! > 0)) return fallback('the fit put nothing per request (noise or other work in the samples)');
  return { backgroundCoresPerInstance: round(fit.x[0]!, 5), perUnitUs: { request: round(fit.x[1]! * 1e6, 2) }, rmsResidualCores: round(fit.rmsResidual, 5), intervals: points.length, source: 'fit' };
}

/** Generator CPU over whole runs (the collectors run in the same process: its background). */
function fitGenerator(runs: readonly ReplayedRun[], notes: string[]): TierCost {
  return fitClientSide('generator', runs.map((r) => ({ rateRps: r.measured.run.generator.achievedRateRps, cores: r.measured.run.generator.cpuCoreFraction })), notes);
}

function fitProxy(intervals: readonly ReplayedInterval[], notes: string[]): TierCost {
  const sampled = intervals.filter((i) => i.proxyCores !== null);
  if (sampled.length === 0) {
    notes.push(`proxy: the host was not sampled; docker-proxy CPU assumed ${PRIOR_UNIT_US.proxy!.request} µs per request`);
    return { backgroundCoresPerInstance: 0, perUnitUs: { request: PRIOR_UNIT_US.proxy!.request! }, rmsResidualCores: 0, intervals: 0, source: 'default' };
  }
  return fitClientSide('proxy', sampled.map((i) => ({ rateRps: i.observation.completedRps, cores: i.proxyCores! })), notes);
}

/** The endpoint with the most completions in an interval (whose latency the residual is taken on). */
export function mainEndpointOf(interval: ReplayedInterval): string | null {
  let best: string | null = null;
  for (const [endpoint, stats] of Object.entries(interval.observation.latency)) {
    if (best === null || stats.count > interval.observation.latency[best]!.count) best = endpoint;
  }
  return best;
}

/** Shared placement of a measured interval: the host's cores and the other work on it. */
export function measuredPlacement(interval: ReplayedInterval, cores: number): Placement {
  return { kind: 'shared', cores, foreignCores: interval.foreignCores ?? 0 };
}

/**
 * The interval of one run the latency delays are fitted on: the busiest whose host the model puts
 * at most LATENCY_FIT_MAX_UTILISATION busy, else the least loaded. `pool` is not empty.
 */
export function latencyFitInterval<T extends { observation: { completedRps: number } }>(pool: readonly T[], utilisationOf: (interval: T) => number): T {
  // Busiest first, and the model solved only until one is calm enough (each solve is a whole
  // prediction, and calibration runs once per job plus once per configuration left out).
  const byRate = [...pool].sort((a, b) => b.observation.completedRps - a.observation.completedRps);
  return byRate.find((i) => utilisationOf(i) <= LATENCY_FIT_MAX_UTILISATION) ?? byRate[byRate.length - 1]!;
}

function fitLatency(calibration: Calibration, runs: readonly ReplayedRun[], cores: number, notes: string[]): LatencyCalibration {
  const predictAt = (interval: ReplayedInterval, latency: LatencyCalibration) => {
    const endpoint = mainEndpointOf(interval)!;
    const prediction = predictStack({ shape: interval.shape, classes: interval.work.classes, calibration: { ...calibration, latency }, placement: measuredPlacement(interval, cores) }, { percentilesFor: [endpoint] });
    const e = prediction.endpoints.find((x) => x.endpoint === endpoint);
    return { p50Ms: e?.p50Ms ?? null, p99Ms: e?.p99Ms ?? null, utilisation: prediction.hosts.find((h) => h.hostId === 'machine')?.cpuUtilisation ?? 0 };
  };
  const noDelays: LatencyCalibration = { frontDelayMs: 0, hopDelayMs: 0, appServiceCv: 1, fittedIntervals: 0, maxUtilisation: 0 };
  // Per run, the busiest interval (healthy generator, little foreign load) whose host the model
  // puts at most LATENCY_FIT_MAX_UTILISATION busy; the least loaded when none is that idle. Not
  // the least loaded: on an idle virtual machine every hop also wakes a sleeping core, which the
  // model has no term for (docs/modelling.md: the same stack's feed-read p50 was 4.6 ms at 40 req/s,
  // 2.8 ms at 120 and 2.2 ms at 200), and the delays should be those met under load.
  const candidates = runs.flatMap((r) => {
    const ok = r.intervals.filter((i) => mainEndpointOf(i) !== null && (i.foreignCores ?? 0) <= MAX_FOREIGN_SHARE_FOR_LATENCY * cores);
    const healthy = ok.filter((i) => i.observation.generatorValid);
    const pool = healthy.length > 0 ? healthy : ok;
    if (pool.length === 0) return [];
    return [latencyFitInterval(pool, (i) => predictAt(i, noDelays).utilisation)];
  });
  if (candidates.length === 0) {
    notes.push('latency: no interval with a healthy generator and a quiet host; delays left at 0 and CV at 1');
    return noDelays;
  }
  const hops = candidates.map((i) => {
    const total = i.work.classes.reduce((a, c) => a + c.rateRps, 0);
    return i.work.classes.reduce((a, c) => a + (c.rateRps / Math.max(1e-9, total)) * hopsOf(c, i.shape), 0);
  });
  let latency: LatencyCalibration = { frontDelayMs: 0, hopDelayMs: 0, appServiceCv: 1, fittedIntervals: candidates.length, maxUtilisation: 0 };
  for (let round_ = 0; round_ < 2; round_++) {
    const zero = { ...latency, frontDelayMs: 0, hopDelayMs: 0 };
    const residuals = candidates.map((i) => {
      const measured = i.observation.latency[mainEndpointOf(i)!]!.p50Ms;
      return measured - (predictAt(i, zero).p50Ms ?? measured);
    });
    const distinctHops = new Set(hops.map((h) => h.toFixed(2))).size;
    const fit = distinctHops >= 2 ? nnls(hops.map((h) => [1, h]), residuals) : nnls(hops.map(() => [1]), residuals);
    latency = { ...latency, frontDelayMs: round(fit.x[0]!, 4), hopDelayMs: round(distinctHops >= 2 ? fit.x[1]! : 0, 4) };
    latency = { ...latency, appServiceCv: round(fitCv(candidates, latency, predictAt), 3) };
  }
  const utilisation = Math.max(...candidates.map((i) => predictAt(i, latency).utilisation));
  if (new Set(hops.map((h) => h.toFixed(2))).size < 2) notes.push('latency: the calibration runs all make the same round trips; the whole residual is the front delay');
  return { ...latency, maxUtilisation: round(utilisation, 3) };
}

/** Golden-section search of the app CPU's CV minimising the squared log error of p99 over the intervals. */
function fitCv(
  intervals: readonly ReplayedInterval[],
  latency: LatencyCalibration,
  predictAt: (i: ReplayedInterval, l: LatencyCalibration) => { p99Ms: number | null },
): number {
  const loss = (cv: number) =>
    intervals.reduce((sum, i) => {
      const measured = i.observation.latency[mainEndpointOf(i)!]!.p99Ms;
      const predicted = predictAt(i, { ...latency, appServiceCv: cv }).p99Ms;
      return sum + (predicted === null ? 100 : Math.log(predicted / measured) ** 2);
    }, 0);
  let lo = 0;
  let hi = 4;
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = loss(a);
  let fb = loss(b);
  for (let i = 0; i < 10; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = loss(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = loss(b);
    }
  }
  return (lo + hi) / 2;
}

function cacheCalibration(runs: readonly ReplayedRun[]): Calibration['cache'] {
  let bytes = 0;
  let items = 0;
  const checks: Calibration['cache']['checks'] = [];
  for (const r of runs) {
    const memcached = r.measured.run.server?.memcached;
    if (!memcached || r.shape.cache !== 'memcached') continue;
    bytes += memcached.summary.bytesMax;
    items += memcached.summary.currItemsMax;
    // Over the whole measured window, as the replay counts it: each interval weighted by its gets.
    const weighted = r.intervals.filter((i) => i.observation.cacheHitRatio !== null);
    const gets = weighted.reduce((a, i) => a + i.observation.cacheGetsPerS * i.observation.durationS, 0);
    if (gets === 0 || r.profile.total.cacheHitRatio === null) continue;
    checks.push({
      configuration: r.measured.run.configuration,
      memoryMb: r.shape.memcachedMemoryMb,
      measuredHitRatio: round(weighted.reduce((a, i) => a + i.observation.cacheHitRatio! * i.observation.cacheGetsPerS * i.observation.durationS, 0) / gets, 4),
      predictedHitRatio: round(r.profile.total.cacheHitRatio, 4),
    });
  }
  // memcached's `bytes` counts whole items (header, key, value); the memory one takes is its slab
  // chunk. memcachedItemBytes adds 3 bytes (key terminator, CRLF) to header + key + value.
  const itemBytes = items > 0 ? memcachedItemBytes({ headerBytes: 0, keyBytes: 0, valueBytes: Math.max(0, bytes / items - 3) }) : memcachedItemBytes({ keyBytes: 25, valueBytes: 200 });
  return { itemBytes, checks };
}

/** Prior Redis bytes per entry (redis 7 listpack/quicklist lists, string keys with TTL, hash buckets holding ~1 field). */
const REDIS_PRIOR = { feedEntry: 12, session: 110, mapPair: 95 };
const REDIS_BASE_BYTES = 1_000_000;
/** Postgres row sizes with indexes: tuple header 24 + columns + item pointer, one or two b-tree entries. Assumptions. */
const POSTGRES_ROW_BYTES = { media: 260, user: 140, follow: 90 };

function storageCalibration(runs: readonly ReplayedRun[], workload: MeasuredWorkload): StorageCalibration {
  const first = runs.find((r) => (r.measured.run.server?.redis.series.length ?? 0) > 0);
  const base: StorageCalibration = {
    redisBytesPerFeedEntry: REDIS_PRIOR.feedEntry,
    redisBytesPerSession: REDIS_PRIOR.session,
    redisBytesPerMapPair: REDIS_PRIOR.mapPair,
    redisMeasuredBytes: null,
    postgresBytesPerMediaRow: POSTGRES_ROW_BYTES.media,
    postgresBytesPerUserRow: POSTGRES_ROW_BYTES.user,
    postgresBytesPerFollowRow: POSTGRES_ROW_BYTES.follow,
    source: 'assumed per-entry sizes (no Redis memory measured)',
  };
  if (!first) return base;
  const measured = first.measured.run.server!.redis.series[0]!.usedMemoryBytes;
  const { dataset, feeds } = prepareWorkload({ workload: workload.overrides, seed: workload.seed, logicalShards: first.shape.logicalShards });
  let entries = 0;
  for (const list of feeds.values()) entries += list.length;
  const prior = entries * REDIS_PRIOR.feedEntry + dataset.users.length * REDIS_PRIOR.session + dataset.media.length * REDIS_PRIOR.mapPair;
  const scale = Math.max(0.1, (measured - REDIS_BASE_BYTES) / prior);
  return {
    ...base,
    redisBytesPerFeedEntry: round(REDIS_PRIOR.feedEntry * scale, 2),
    redisBytesPerSession: round(REDIS_PRIOR.session * scale, 2),
    redisBytesPerMapPair: round(REDIS_PRIOR.mapPair * scale, 2),
    redisMeasuredBytes: measured,
    source: `Redis: used_memory after seeding (${measured} bytes for ${entries} feed entries, ${dataset.users.length} sessions, ${dataset.media.length} map pairs) split in the proportions of the per-entry priors (scale ${scale.toFixed(2)}); Postgres: assumed row sizes`,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
