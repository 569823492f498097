import { mergeEncoded, percentilesOf } from '../../lib/histogram.ts';
import type { RunResult } from '../../lib/result-schema.ts';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import type { ReferenceStackShape } from '../reference-stack/stack-shape.ts';
import type { WorkUnit } from '../reference-stack/work-units.ts';
import { tierOfService, type ServiceTier } from './service-tier.ts';

/**
 * What one measured interval tells the calibration: the request rate, the CPU each tier used,
 * the work units the servers counted and the latency, over one step of a stepped run or the
 * whole measured window of a constant-rate run. All rates are per second of the interval; CPU is
 * in cores (CPU-seconds per second, summed over the tier's containers), so the service demand law
 * reads D = U / X per interval.
 */
export interface Observation {
  configuration: string;
  repeat: number;
  /** Index of the step in the run, or null for the whole measured window. */
  step: number | null;
  /** Wall clock at the interval's start, ms since the epoch (to match samples taken outside the collectors). */
  startMs: number;
  durationS: number;
  /** Rate the plan asked for. */
  intendedRps: number;
  /** Requests that ended in the interval per second, all endpoints. */
  completedRps: number;
  /** Completed per second by endpoint. */
  endpointRps: Record<string, number>;
  /** Cores busy per tier over the interval (all containers of the tier). */
  cpuCores: Partial<Record<ServiceTier, number>>;
  /** Containers per tier in the stack (background load scales with them). */
  instances: Partial<Record<ServiceTier, number>>;
  /** Work units per second as the servers counted them (units the run cannot count are absent). */
  unitRates: Partial<Record<WorkUnit, number>>;
  /** memcached hit ratio over the interval (server side), null without lookups or without the cache. */
  cacheHitRatio: number | null;
  /** memcached gets per second over the interval (server side; 0 without the cache). */
  cacheGetsPerS: number;
  /** Latency from intended start per endpoint over the interval (absent when the step kept no histogram). */
  latency: Record<string, { count: number; p50Ms: number; p90Ms: number; p99Ms: number; meanMs: number }>;
  /** Load generator CPU over the whole run, cores (runs record no per-step figure). */
  generatorCores: number;
  /** false when the load generator fell behind in the interval. */
  generatorValid: boolean;
}

/** The measured window's start on the collectors' clock: load start (RunResult.startedAt) plus the warm-up. */
export function measuredWindowStartS(run: RunResult, server: ServerMetrics): number {
  const offsetS = (Date.parse(run.startedAt) - Date.parse(server.sampling.startedAt)) / 1000;
  return Math.max(0, offsetS) + run.warmupS;
}

/** Mean over [startS, endS] of a per-interval rate series (each point covers (previous tS, tS]). */
export function meanOverWindow<P extends { tS: number }>(series: readonly P[], rate: (point: P) => number, startS: number, endS: number): number | null {
  let total = 0;
  let covered = 0;
  let previousS: number | undefined;
  for (const point of series) {
    if (previousS !== undefined) {
      const overlapS = Math.min(point.tS, endS) - Math.max(previousS, startS);
      if (overlapS > 0) {
        total += rate(point) * overlapS;
        covered += overlapS;
      }
    }
    previousS = point.tS;
  }
  return covered > 0 ? total / covered : null;
}

/**
 * The observations of one run: one per step for a stepped run (steps shorter than
 * `minStepS` are skipped: a 1 s sampling grid says little about them), else one for the measured
 * window. Runs without server metrics give none.
 */
export function observationsOf(run: RunResult, shape: ReferenceStackShape, options: { minStepS?: number } = {}): Observation[] {
  const server = run.server;
  if (!server) return [];
  const windowStartS = measuredWindowStartS(run, server);
  const minStepS = options.minStepS ?? 4;
  const generatorCores = run.generator.cpuCoreFraction;
  if (run.steps && run.steps.length > 0) {
    return run.steps.flatMap((step, index) => {
      if (step.durationS < minStepS) return [];
      const endpointRps: Record<string, number> = {};
      const latency: Observation['latency'] = {};
      for (const e of step.endpoints) {
        endpointRps[e.endpoint] = (e.ok + e.errorRate * e.sent) / step.durationS;
        if (e.histogram) {
          const p = percentilesOf(mergeEncoded([e.histogram]));
          if (p.count > 0) latency[e.endpoint] = { count: p.count, p50Ms: p.p50Ms, p90Ms: p.p90Ms, p99Ms: p.p99Ms, meanMs: p.meanMs };
        }
      }
      const start = windowStartS + step.startS;
      return [
        {
          ...intervalOf(server, shape, start, start + step.durationS),
          configuration: run.configuration,
          repeat: run.repeat,
          step: index,
          startMs: Date.parse(run.startedAt) + (run.warmupS + step.startS) * 1000,
          durationS: step.durationS,
          intendedRps: step.rateRps,
          completedRps: sumValues(endpointRps),
          endpointRps,
          latency,
          generatorCores,
          generatorValid: step.generator?.valid ?? run.generator.valid,
        },
      ];
    });
  }
  const endpointRps: Record<string, number> = {};
  const latency: Observation['latency'] = {};
  for (const e of run.endpoints) {
    const ended = e.ok + Object.values(e.errors).reduce((a, b) => a + b, 0);
    endpointRps[e.endpoint] = ended / run.durationS;
    const p = e.fromIntended.percentiles;
    if (p.count > 0) latency[e.endpoint] = { count: p.count, p50Ms: p.p50Ms, p90Ms: p.p90Ms, p99Ms: p.p99Ms, meanMs: p.meanMs };
  }
  return [
    {
      ...intervalOf(server, shape, windowStartS, windowStartS + run.durationS),
      configuration: run.configuration,
      repeat: run.repeat,
      step: null,
      startMs: Date.parse(run.startedAt) + run.warmupS * 1000,
      durationS: run.durationS,
      intendedRps: run.generator.intendedRateRps,
      completedRps: sumValues(endpointRps),
      endpointRps,
      latency,
      generatorCores,
      generatorValid: run.generator.valid,
    },
  ];
}

function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

/** CPU per tier, instances and unit rates over [startS, endS] of the collectors' clock. */
function intervalOf(server: ServerMetrics, shape: ReferenceStackShape, startS: number, endS: number): Pick<Observation, 'cpuCores' | 'instances' | 'unitRates' | 'cacheHitRatio' | 'cacheGetsPerS'> {
  const cpuCores: Partial<Record<ServiceTier, number>> = {};
  const instances: Partial<Record<ServiceTier, number>> = {};
  for (const container of server.containers) {
    const tier = tierOfService(container.service);
    instances[tier] = (instances[tier] ?? 0) + 1;
    const cores = meanOverWindow(container.series, (p) => p.cpuPercent / 100, startS, endS);
    if (cores !== null) cpuCores[tier] = (cpuCores[tier] ?? 0) + cores;
  }
  const sumOver = <P extends { tS: number }>(list: ReadonlyArray<{ series: readonly P[] }>, rate: (p: P) => number): number | null => {
    let total: number | null = null;
    for (const item of list) {
      const value = meanOverWindow(item.series, rate, startS, endS);
      if (value !== null) total = (total ?? 0) + value;
    }
    return total;
  };
  const lookups = sumOver(server.apps, (p) => p.cacheHitsPerS + p.cacheMissesPerS);
  const misses = sumOver(server.apps, (p) => p.cacheMissesPerS);
  const cacheOn = shape.cache === 'memcached';
  const unitRates: Partial<Record<WorkUnit, number>> = {};
  const set = (unit: WorkUnit, value: number | null) => {
    if (value !== null) unitRates[unit] = value;
  };
  set('request', sumOver(server.apps, (p) => p.requestsPerS));
  // memjs sends a get per key and a set per miss found in Postgres; the no-op cache sends nothing.
  set('memcachedOp', cacheOn && lookups !== null && misses !== null ? lookups + misses : cacheOn ? null : 0);
  set('dbRow', misses);
  set('pgQuery', sumOver(server.apps, (p) => p.pgQueriesPerS));
  set('redisCommand', meanOverWindow(server.redis.series, (p) => p.commandsPerS, startS, endS));
  const memcachedHits = server.memcached ? meanOverWindow(server.memcached.series, (p) => p.getHitsPerS, startS, endS) : null;
  const memcachedMisses = server.memcached ? meanOverWindow(server.memcached.series, (p) => p.getMissesPerS, startS, endS) : null;
  const gets = (memcachedHits ?? 0) + (memcachedMisses ?? 0);
  return { cpuCores, instances, unitRates, cacheHitRatio: memcachedHits !== null && gets > 0 ? memcachedHits / gets : null, cacheGetsPerS: gets };
}

