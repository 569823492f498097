import type {
  AppInstanceMetrics,
  ContainerMetrics,
  MemcachedMetrics,
  NginxMetrics,
  PgbouncerShardMetrics,
  PostgresShardMetrics,
  QueueMetrics,
  ServerMetrics,
} from '../../lib/server-metrics-schema.ts';
import { defined, maxOf, meanOf, skewOf, sumOf } from './aggregates.ts';
import { serviceKind } from './service-kind.ts';

/**
 * The quantities of one run's server metrics that a ServerSummary compares, before they are
 * lined up over repeats (summarize-server.ts). A value is undefined when the run did not measure
 * it: a part of the stack that was not there (no memcached, no worker), a collector without a
 * single interval, or a ratio without a denominator.
 */
export interface RunValues {
  cache: {
    hitRatio?: number;
    getsPerS?: number;
    evictionsPerS?: number;
    /** By position in the memcached ring. */
    instanceHitRatios: Map<number, number | undefined>;
  };
  pool: { clientsWaitingMax?: number; clientsWaitingMean?: number; maxWaitMs?: number; waitPerXactMs?: number };
  shards: Map<number, { xactPerS: number; tupFetchedPerS?: number }>;
  postgres: { shardSkew?: number };
  redis: { opsPerS: number; memoryBytes: number };
  upstreams: Map<string, { requestsPerS?: number; meanMs?: number; p99Ms?: number; requests: number }>;
  nginx: { upstreamMeanMs?: number; upstreamTimeSkew?: number; requestSkew?: number };
  apps: Map<string, { cpuCores: number; eventLoopLagP99Ms?: number }>;
  containers: Map<string, { instances: number; cpuPercent: number; memoryBytes: number }>;
  queues: Map<string, { depthMax: number; lagMs?: number }>;
}

/** Per second over the sampled time; for totals whose collector kept no series to average. */
type PerS = (count: number) => number | undefined;

/**
 * Reads the typed ServerMetrics directly: RunResult.server is checked against ServerMetricsSchema
 * wherever results are read (runner/job-folder.ts readFinishedRuns, render/json.ts parseReportJson).
 */
export function runValuesOf(server: ServerMetrics): RunValues {
  const durationS = server.sampling.durationS;
  const perS: PerS = (count) => (durationS > 0 ? count / durationS : undefined);
  const shards = shardsOf(server.postgres, perS);
  return {
    cache: cacheOf(server.memcached, server.apps, perS),
    pool: poolOf(server.pgbouncer),
    shards,
    postgres: { shardSkew: skewOf([...shards.values()].map((s) => s.xactPerS)) },
    redis: { opsPerS: server.redis.summary.commandsPerSMean, memoryBytes: server.redis.summary.usedMemoryBytesMax },
    ...upstreamsOf(server.nginx, perS),
    apps: new Map(server.apps.map((a) => [a.instance, { cpuCores: a.summary.cpuCoreFractionMean, eventLoopLagP99Ms: meanOf(nonNull(a.series.map((p) => p.eventLoopLagP99Ms))) }])),
    containers: containersByKind(server.containers),
    queues: new Map((server.queues ?? []).map((q) => [q.queue, queueOf(q)])),
  };
}

function nonNull(values: ReadonlyArray<number | null>): number[] {
  return values.filter((v): v is number => v !== null);
}

/**
 * The tier's hit ratio from memcached's summary (its counters summed over every instance of the
 * ring), else what the apps saw: a stack without memcached, or a memcached that answered no get.
 */
function cacheOf(memcached: MemcachedMetrics | undefined, apps: readonly AppInstanceMetrics[], perS: PerS): RunValues['cache'] {
  const appHits = apps.reduce((n, a) => n + a.summary.cacheHits, 0);
  const appLookups = appHits + apps.reduce((n, a) => n + a.summary.cacheMisses, 0);
  const appHitRatio = appLookups > 0 ? appHits / appLookups : undefined;
  if (!memcached) return { hitRatio: appHitRatio, instanceHitRatios: new Map() };
  const { series, summary } = memcached;
  const hitsPerS = meanOf(series.map((p) => p.getHitsPerS));
  return {
    hitRatio: summary.hitRatio ?? appHitRatio,
    getsPerS: hitsPerS !== undefined ? hitsPerS + (meanOf(series.map((p) => p.getMissesPerS)) ?? 0) : perS(summary.getHits + summary.getMisses),
    evictionsPerS: meanOf(series.map((p) => p.evictionsPerS)) ?? perS(summary.evictions),
    instanceHitRatios: new Map(summary.instances.map((instance, index) => [index, instance.hitRatio ?? undefined])),
  };
}

/** pgbouncer, one per physical shard. */
function poolOf(pools: readonly PgbouncerShardMetrics[]): RunValues['pool'] {
  const waitMs = sumOf(pools.map((p) => p.summary.totalWaitMs));
  const xacts = sumOf(pools.map((p) => p.summary.xacts));
  return {
    clientsWaitingMax: maxOf(pools.map((p) => p.summary.clWaitingMax)),
    clientsWaitingMean: sumOf(defined(pools.map((p) => meanOf(p.series.map((s) => s.clWaiting))))),
    maxWaitMs: maxOf(pools.map((p) => p.summary.maxwaitMsMax)),
    waitPerXactMs: waitMs !== undefined && xacts !== undefined && xacts > 0 ? waitMs / xacts : undefined,
  };
}

/** Postgres, one per physical shard. */
function shardsOf(postgres: readonly PostgresShardMetrics[], perS: PerS): RunValues['shards'] {
  return new Map(
    postgres.map((p) => [
      p.shard,
      { xactPerS: p.summary.xactCommitPerSMean, tupFetchedPerS: meanOf(p.series.map((s) => s.tupFetchedPerS)) ?? perS(p.summary.tupFetched) },
    ]),
  );
}

/** nginx upstream times per app instance; nothing when nginx logs no upstream lines. */
function upstreamsOf(nginx: NginxMetrics, perS: PerS): Pick<RunValues, 'upstreams' | 'nginx'> {
  const upstreams: RunValues['upstreams'] = new Map();
  if (!nginx.available) return { upstreams, nginx: {} };
  let timeMs = 0;
  let timed = 0;
  for (const u of nginx.upstreams) {
    const { requests, upstreamTime } = u.summary;
    if (requests > 0) {
      timeMs += upstreamTime.meanMs * requests;
      timed += requests;
    }
    upstreams.set(u.upstream, {
      requestsPerS: meanOf(u.series.map((p) => p.requestsPerS)) ?? perS(requests),
      // Percentiles of no request are placeholders, not times.
      meanMs: requests === 0 ? undefined : upstreamTime.meanMs,
      p99Ms: requests === 0 ? undefined : upstreamTime.p99Ms,
      requests,
    });
  }
  const values = [...upstreams.values()];
  return {
    upstreams,
    nginx: {
      upstreamMeanMs: timed > 0 ? timeMs / timed : undefined,
      upstreamTimeSkew: skewOf(defined(values.map((u) => u.meanMs))),
      requestSkew: skewOf(values.map((u) => u.requests)),
    },
  };
}

/** CPU and memory summed over the containers of each service kind. */
function containersByKind(containers: readonly ContainerMetrics[]): RunValues['containers'] {
  const out: RunValues['containers'] = new Map();
  for (const c of containers) {
    const kind = serviceKind(c.service, c.name);
    const entry = out.get(kind) ?? { instances: 0, cpuPercent: 0, memoryBytes: 0 };
    entry.instances += 1;
    entry.cpuPercent += c.summary.cpuPercentMean;
    entry.memoryBytes += c.summary.memoryBytesMax;
    out.set(kind, entry);
  }
  return out;
}

/** The lag of the jobs completed during the run: its p99, else its mean (both null without a job). */
function queueOf(q: QueueMetrics): { depthMax: number; lagMs?: number } {
  return { depthMax: q.summary.depthMax, lagMs: q.summary.lagP99Ms ?? q.summary.lagMsMean ?? undefined };
}
