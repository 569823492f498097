import type { RunResult } from '../../lib/result-schema.ts';
import type { Metric, ServerSummary } from '../server-summary-schema.ts';
import { defined, maxOf, meanOf, sumOf } from './aggregates.ts';
import { runValuesOf, type RunValues } from './run-values.ts';

function metricOf(perRepeat: ReadonlyArray<number | undefined>): Metric | undefined {
  const present = defined(perRepeat);
  if (present.length === 0) return undefined;
  return { mean: meanOf(present)!, perRepeat: perRepeat.map((v) => (v === undefined ? null : v)) };
}

/** Drops keys whose value is undefined, so optional schema fields are absent rather than undefined. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function hasAny(value: object): boolean {
  return Object.values(value).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));
}

/** Every key of the maps, in first-seen order. */
function keysOf<K>(maps: ReadonlyArray<ReadonlyMap<K, unknown>>): K[] {
  const keys: K[] = [];
  for (const m of maps) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
  return keys;
}

/**
 * The ServerSummary of one configuration from its runs (any order; runs of other configurations
 * and runs without server metrics are ignored). `repeats` is empty when no run had server metrics.
 *
 * @example
 * const on = summarizeServer('memcached-on', report.runs);
 * on.cache?.hitRatio?.mean; // 0.734
 */
export function summarizeServer(configuration: string, runs: readonly RunResult[]): ServerSummary {
  const own = runs
    .flatMap((r) => (r.configuration === configuration && r.server !== undefined ? [{ repeat: r.repeat, values: runValuesOf(r.server) }] : []))
    .sort((a, b) => a.repeat - b.repeat);
  const summary: ServerSummary = { configuration, repeats: own.map((o) => o.repeat) };
  if (own.length === 0) return summary;
  const values = own.map((o) => o.values);
  const m = (pick: (v: RunValues) => number | undefined) => metricOf(values.map(pick));

  const cacheInstances = keysOf(values.map((v) => v.cache.instanceHitRatios)).sort((a, b) => a - b);
  const cache = compact({
    hitRatio: m((v) => v.cache.hitRatio),
    getsPerS: m((v) => v.cache.getsPerS),
    evictionsPerS: m((v) => v.cache.evictionsPerS),
    instances: cacheInstances.length > 0 ? cacheInstances.map((index) => compact({ index, hitRatio: m((v) => v.cache.instanceHitRatios.get(index)) })) : undefined,
  });
  if (hasAny(cache)) summary.cache = cache;

  const pool = compact({
    clientsWaitingMax: m((v) => v.pool.clientsWaitingMax),
    clientsWaitingMean: m((v) => v.pool.clientsWaitingMean),
    maxWaitMs: m((v) => v.pool.maxWaitMs),
    waitPerXactMs: m((v) => v.pool.waitPerXactMs),
  });
  if (hasAny(pool)) summary.pgbouncer = pool;

  const shardIds = keysOf(values.map((v) => v.shards)).sort((a, b) => a - b);
  if (shardIds.length > 0) {
    summary.postgres = compact({
      shards: shardIds.map((shard) => compact({ shard, xactPerS: m((v) => v.shards.get(shard)?.xactPerS), tupFetchedPerS: m((v) => v.shards.get(shard)?.tupFetchedPerS) })),
      xactPerS: m((v) => sumOf([...v.shards.values()].map((s) => s.xactPerS))),
      tupFetchedPerS: m((v) => sumOf(defined([...v.shards.values()].map((s) => s.tupFetchedPerS)))),
      shardSkew: m((v) => v.postgres.shardSkew),
    });
  }

  summary.redis = compact({ opsPerS: m((v) => v.redis.opsPerS), memoryBytes: m((v) => v.redis.memoryBytes) });

  const upstreamNames = keysOf(values.map((v) => v.upstreams));
  if (upstreamNames.length > 0) {
    summary.nginx = compact({
      upstreams: upstreamNames.map((instance) =>
        compact({
          instance,
          requestsPerS: m((v) => v.upstreams.get(instance)?.requestsPerS),
          meanMs: m((v) => v.upstreams.get(instance)?.meanMs),
          p99Ms: m((v) => v.upstreams.get(instance)?.p99Ms),
        }),
      ),
      upstreamMeanMs: m((v) => v.nginx.upstreamMeanMs),
      upstreamTimeSkew: m((v) => v.nginx.upstreamTimeSkew),
      requestSkew: m((v) => v.nginx.requestSkew),
    });
  }

  const appNames = keysOf(values.map((v) => v.apps));
  if (appNames.length > 0) {
    summary.apps = compact({
      instances: appNames.map((instance) =>
        compact({ instance, cpuCores: m((v) => v.apps.get(instance)?.cpuCores), eventLoopLagP99Ms: m((v) => v.apps.get(instance)?.eventLoopLagP99Ms) }),
      ),
      cpuCores: m((v) => sumOf([...v.apps.values()].map((a) => a.cpuCores))),
      eventLoopLagP99MsMax: m((v) => maxOf(defined([...v.apps.values()].map((a) => a.eventLoopLagP99Ms)))),
    });
  }

  const kinds = keysOf(values.map((v) => v.containers)).sort();
  if (kinds.length > 0) {
    summary.containers = kinds.map((kind) =>
      compact({
        kind,
        instances: Math.max(...values.map((v) => v.containers.get(kind)?.instances ?? 0)),
        cpuPercent: m((v) => v.containers.get(kind)?.cpuPercent),
        memoryBytes: m((v) => v.containers.get(kind)?.memoryBytes),
      }),
    );
  }

  const queueNames = keysOf(values.map((v) => v.queues)).sort();
  if (queueNames.length > 0) {
    summary.queues = queueNames.map((queue) => compact({ queue, depthMax: m((v) => v.queues.get(queue)?.depthMax), lagMs: m((v) => v.queues.get(queue)?.lagMs) }));
  }
  return summary;
}
