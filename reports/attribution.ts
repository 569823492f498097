import type { RunResult } from './result-schema.ts';
import type {
  AttributionItem,
  ConfigurationAttribution,
  Metric,
  ServerSummary,
} from './server-summary-schema.ts';

/**
 * Server-side attribution: digest each configuration's RunResult.server (reports/collectors) into a
 * ServerSummary, then list what differs notably between a configuration and the baseline, so that
 * a latency change comes with its likely cause ("cache hit ratio 0.0% vs 73.4%").
 *
 * Pure. Reads RunResult.server defensively, field by field: old results, k6-only runs, a stack
 * without memcached or a collector that failed leave parts out instead of failing the report.
 */

// Notability thresholds. A difference is listed when it reaches its threshold; its score is the
// difference in multiples of that threshold (for relative changes: in compounding steps of it, so
// 2x at a 25% threshold scores ln 2 / ln 1.25 = 3.1), which is what ranks unlike metrics.

/** Cache hit ratio: 5 percentage points moves the Postgres read load by a tenth at a 50% ratio. */
export const HIT_RATIO_NOTABLE_POINTS = 0.05;
/** pgbouncer clients waiting at a sample: one waiting client is common jitter at a pool edge; two is queueing. */
export const POOL_WAITING_NOTABLE_CLIENTS = 2;
/** max/mean skew across shards or instances: 1.1x vs 1.3x is where one shard starts to lead. */
export const SKEW_NOTABLE_DELTA = 0.2;
/** Rates, CPU, memory and times: a quarter more or less. */
export const RELATIVE_NOTABLE_CHANGE = 0.25;
/** Waits and lags are noisier than rates: half more or less. */
export const WAIT_RELATIVE_NOTABLE_CHANGE = 0.5;
/** Job queue depth: jobs waiting at a sample. */
export const QUEUE_DEPTH_NOTABLE_JOBS = 10;

/** Floors below which a relative change is noise, whatever its size. */
export const FLOOR = Object.freeze({
  ratePerS: 10,
  tuplesPerS: 100,
  waitMs: 0.5,
  maxWaitMs: 10,
  upstreamMs: 1,
  eventLoopLagMs: 5,
  cpuCores: 0.05,
  /** docker stats: 100 = one core. */
  cpuPercent: 5,
  memoryBytes: 16 * 1024 * 1024,
  queueLagMs: 100,
});

// ---------------------------------------------------------------------------------------------
// Tolerant readers over unknown JSON.

type Bag = Record<string, unknown>;

function bag(value: unknown): Bag | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Bag) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function at(value: unknown, ...path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    const b = bag(cur);
    if (!b) return undefined;
    cur = b[key];
  }
  return cur;
}

function numAt(value: unknown, ...path: string[]): number | undefined {
  const v = at(value, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strAt(value: unknown, ...path: string[]): string | undefined {
  const v = at(value, ...path);
  return typeof v === 'string' ? v : undefined;
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function sum(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

function max(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : Math.max(...values);
}

/** Mean over a series' points of a numeric field (nulls and non-numbers skipped). */
function seriesMean(parent: unknown, field: string): number | undefined {
  return mean(list(at(parent, 'series')).flatMap((p) => {
    const v = numAt(p, field);
    return v === undefined ? [] : [v];
  }));
}

function seriesMax(parent: unknown, field: string): number | undefined {
  return max(list(at(parent, 'series')).flatMap((p) => {
    const v = numAt(p, field);
    return v === undefined ? [] : [v];
  }));
}

function defined<T>(values: ReadonlyArray<T | undefined>): T[] {
  return values.filter((v): v is T => v !== undefined);
}

/** max / mean across parts (1 = even); undefined with fewer than two parts or no load. */
export function skewOf(values: readonly number[]): number | undefined {
  if (values.length < 2) return undefined;
  const m = mean(values)!;
  return m > 0 ? Math.max(...values) / m : undefined;
}

// ---------------------------------------------------------------------------------------------
// One run's values.

interface RunValues {
  repeat: number;
  cache: { hitRatio?: number; getsPerS?: number; evictionsPerS?: number };
  pool: { clientsWaitingMax?: number; clientsWaitingMean?: number; maxWaitMs?: number; waitPerXactMs?: number };
  shards: Map<number, { xactPerS?: number; tupFetchedPerS?: number }>;
  postgres: { shardSkew?: number };
  redis: { opsPerS?: number; memoryBytes?: number };
  upstreams: Map<string, { requestsPerS?: number; meanMs?: number; p99Ms?: number; requests?: number }>;
  nginx: { upstreamMeanMs?: number; upstreamTimeSkew?: number; requestSkew?: number };
  apps: Map<string, { cpuCores?: number; eventLoopLagP99Ms?: number }>;
  containers: Map<string, { instances: number; cpuPercent?: number; memoryBytes?: number }>;
  queues: Map<string, { depthMax?: number; lagMs?: number }>;
}

function valuesOf(run: RunResult): RunValues {
  const server = run.server;
  const durationS = numAt(server, 'sampling', 'durationS');
  const perS = (count: number | undefined) => (count !== undefined && durationS !== undefined && durationS > 0 ? count / durationS : undefined);
  const out: RunValues = {
    repeat: run.repeat,
    cache: {},
    pool: {},
    shards: new Map(),
    postgres: {},
    redis: {},
    upstreams: new Map(),
    nginx: {},
    apps: new Map(),
    containers: new Map(),
    queues: new Map(),
  };

  // Cache: memcached's own counters when collected, else what the apps saw (a stack without memcached).
  const memcached = at(server, 'memcached');
  const apps = list(at(server, 'apps'));
  const appHits = sum(defined(apps.map((a) => numAt(a, 'summary', 'cacheHits'))));
  const appMisses = sum(defined(apps.map((a) => numAt(a, 'summary', 'cacheMisses'))));
  const appLookups = (appHits ?? 0) + (appMisses ?? 0);
  out.cache.hitRatio = numAt(memcached, 'summary', 'hitRatio') ?? (appLookups > 0 ? (appHits ?? 0) / appLookups : undefined);
  const hits = numAt(memcached, 'summary', 'getHits');
  const misses = numAt(memcached, 'summary', 'getMisses');
  out.cache.getsPerS = seriesMean(memcached, 'getHitsPerS') !== undefined
    ? (seriesMean(memcached, 'getHitsPerS') ?? 0) + (seriesMean(memcached, 'getMissesPerS') ?? 0)
    : perS(hits !== undefined || misses !== undefined ? (hits ?? 0) + (misses ?? 0) : undefined);
  out.cache.evictionsPerS = seriesMean(memcached, 'evictionsPerS') ?? perS(numAt(memcached, 'summary', 'evictions'));

  // pgbouncer, one per physical shard.
  const pools = list(at(server, 'pgbouncer'));
  if (pools.length > 0) {
    out.pool.clientsWaitingMax = max(defined(pools.map((p) => numAt(p, 'summary', 'clWaitingMax') ?? seriesMax(p, 'clWaiting'))));
    out.pool.clientsWaitingMean = sum(defined(pools.map((p) => seriesMean(p, 'clWaiting'))));
    out.pool.maxWaitMs = max(defined(pools.map((p) => numAt(p, 'summary', 'maxwaitMsMax') ?? seriesMax(p, 'maxwaitMs'))));
    const waitMs = sum(defined(pools.map((p) => numAt(p, 'summary', 'totalWaitMs'))));
    const xacts = sum(defined(pools.map((p) => numAt(p, 'summary', 'xacts'))));
    out.pool.waitPerXactMs = waitMs !== undefined && xacts !== undefined && xacts > 0 ? waitMs / xacts : undefined;
  }

  // Postgres, one per physical shard.
  list(at(server, 'postgres')).forEach((p, i) => {
    const shard = numAt(p, 'shard') ?? i;
    out.shards.set(shard, {
      xactPerS: numAt(p, 'summary', 'xactCommitPerSMean') ?? seriesMean(p, 'xactCommitPerS') ?? perS(numAt(p, 'summary', 'xactCommit')),
      tupFetchedPerS: seriesMean(p, 'tupFetchedPerS') ?? perS(numAt(p, 'summary', 'tupFetched')),
    });
  });
  out.postgres.shardSkew = skewOf(defined([...out.shards.values()].map((s) => s.xactPerS)));

  const redis = at(server, 'redis');
  out.redis.opsPerS = numAt(redis, 'summary', 'commandsPerSMean') ?? seriesMean(redis, 'commandsPerS');
  out.redis.memoryBytes = numAt(redis, 'summary', 'usedMemoryBytesMax') ?? seriesMax(redis, 'usedMemoryBytes');

  // nginx upstream times per app instance (nothing when its access log was off).
  const nginx = at(server, 'nginx');
  if (at(nginx, 'available') !== false) {
    let timeMs = 0;
    let timed = 0;
    list(at(nginx, 'upstreams')).forEach((u, i) => {
      const name = strAt(u, 'upstream') ?? `upstream-${i}`;
      const requests = numAt(u, 'summary', 'requests') ?? numAt(u, 'summary', 'upstreamTime', 'count');
      const meanMs = numAt(u, 'summary', 'upstreamTime', 'meanMs');
      if (meanMs !== undefined && requests !== undefined && requests > 0) {
        timeMs += meanMs * requests;
        timed += requests;
      }
      out.upstreams.set(name, {
        requestsPerS: seriesMean(u, 'requestsPerS') ?? perS(requests),
        meanMs: requests === 0 ? undefined : meanMs,
        p99Ms: requests === 0 ? undefined : numAt(u, 'summary', 'upstreamTime', 'p99Ms'),
        requests,
      });
    });
    const upstreams = [...out.upstreams.values()];
    out.nginx.upstreamMeanMs = timed > 0 ? timeMs / timed : undefined;
    out.nginx.upstreamTimeSkew = skewOf(defined(upstreams.map((u) => u.meanMs)));
    out.nginx.requestSkew = skewOf(defined(upstreams.map((u) => u.requests)));
  }

  apps.forEach((a, i) => {
    out.apps.set(strAt(a, 'instance') ?? `app-${i}`, {
      cpuCores: numAt(a, 'summary', 'cpuCoreFractionMean') ?? seriesMean(a, 'cpuCoreFraction'),
      eventLoopLagP99Ms: seriesMean(a, 'eventLoopLagP99Ms'),
    });
  });

  for (const c of list(at(server, 'containers'))) {
    const kind = serviceKind(strAt(c, 'service'), strAt(c, 'name'));
    const entry = out.containers.get(kind) ?? { instances: 0 };
    entry.instances += 1;
    const cpu = numAt(c, 'summary', 'cpuPercentMean') ?? seriesMean(c, 'cpuPercent');
    const memory = numAt(c, 'summary', 'memoryBytesMax') ?? seriesMax(c, 'memoryBytes');
    if (cpu !== undefined) entry.cpuPercent = (entry.cpuPercent ?? 0) + cpu;
    if (memory !== undefined) entry.memoryBytes = (entry.memoryBytes ?? 0) + memory;
    out.containers.set(kind, entry);
  }

  for (const [queue, values] of queuesOf(server)) out.queues.set(queue, values);
  return out;
}

/** "app-1" -> "app", "pgbouncer-0" -> "pgbouncer"; without a label, from "feedscale-<run id>-pg-0". */
export function serviceKind(service: string | undefined, containerName: string | undefined): string {
  const raw = service && service.length > 0 ? service : (containerName ?? 'unknown').replace(/^\/?feedscale-[0-9a-f]+-/, '');
  return raw.replace(/-\d+$/, '') || 'unknown';
}

const QUEUE_DEPTH_KEYS = ['depthMax', 'waitingMax', 'depth', 'waiting'] as const;
const QUEUE_LAG_KEYS = ['lagMsMax', 'lagP99Ms', 'lagMs', 'lagMsMean', 'oldestWaitingMs'] as const;

/**
 * Job queues, wherever a collector puts them: `server.queues` or each app's `queues` /
 * `summary.queues`, as an array of objects naming their queue or a record by queue name, each
 * with a depth and a lag under one of the usual names (or a series of them). No collector fills
 * them yet; when one does, this is the only place to teach its names.
 */
function queuesOf(server: unknown): Map<string, { depthMax?: number; lagMs?: number }> {
  const out = new Map<string, { depthMax?: number; lagMs?: number }>();
  const sources = [at(server, 'queues'), ...list(at(server, 'apps')).flatMap((a) => [at(a, 'queues'), at(a, 'summary', 'queues')])];
  for (const source of sources) {
    const entries: Array<[string, unknown]> = Array.isArray(source)
      ? source.map((q, i) => [strAt(q, 'queue') ?? strAt(q, 'name') ?? `queue-${i}`, q])
      : Object.entries(bag(source) ?? {});
    for (const [name, q] of entries) {
      if (!bag(q)) continue;
      const pick = (keys: readonly string[], summarize: (parent: unknown, field: string) => number | undefined) => {
        for (const key of keys) {
          const v = numAt(q, key) ?? numAt(q, 'summary', key) ?? summarize(q, key);
          if (v !== undefined) return v;
        }
        return undefined;
      };
      const depthMax = pick(QUEUE_DEPTH_KEYS, seriesMax);
      const lagMs = pick(QUEUE_LAG_KEYS, seriesMax);
      if (depthMax === undefined && lagMs === undefined) continue;
      // Several app instances report the same shared queue: keep the worst view.
      const prev = out.get(name) ?? {};
      out.set(name, {
        depthMax: max(defined([prev.depthMax, depthMax])),
        lagMs: max(defined([prev.lagMs, lagMs])),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Over repeats.

function metricOf(perRepeat: ReadonlyArray<number | undefined>): Metric | undefined {
  const present = defined(perRepeat);
  if (present.length === 0) return undefined;
  return { mean: mean(present)!, perRepeat: perRepeat.map((v) => (v === undefined ? null : v)) };
}

/** Drops keys whose value is undefined, so optional schema fields are absent rather than undefined. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function hasAny(value: object): boolean {
  return Object.values(value).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));
}

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
    .filter((r) => r.configuration === configuration && bag(r.server) !== undefined && Object.keys(r.server!).length > 0)
    .sort((a, b) => a.repeat - b.repeat)
    .map(valuesOf);
  const summary: ServerSummary = { configuration, repeats: own.map((v) => v.repeat) };
  if (own.length === 0) return summary;
  const m = (pick: (v: RunValues) => number | undefined) => metricOf(own.map(pick));

  const cache = compact({ hitRatio: m((v) => v.cache.hitRatio), getsPerS: m((v) => v.cache.getsPerS), evictionsPerS: m((v) => v.cache.evictionsPerS) });
  if (hasAny(cache)) summary.cache = cache;

  const pool = compact({
    clientsWaitingMax: m((v) => v.pool.clientsWaitingMax),
    clientsWaitingMean: m((v) => v.pool.clientsWaitingMean),
    maxWaitMs: m((v) => v.pool.maxWaitMs),
    waitPerXactMs: m((v) => v.pool.waitPerXactMs),
  });
  if (hasAny(pool)) summary.pgbouncer = pool;

  const shardIds = keysOf(own.map((v) => v.shards)).sort((a, b) => a - b);
  if (shardIds.length > 0) {
    summary.postgres = compact({
      shards: shardIds.map((shard) => compact({ shard, xactPerS: m((v) => v.shards.get(shard)?.xactPerS), tupFetchedPerS: m((v) => v.shards.get(shard)?.tupFetchedPerS) })),
      xactPerS: m((v) => sum(defined([...v.shards.values()].map((s) => s.xactPerS)))),
      tupFetchedPerS: m((v) => sum(defined([...v.shards.values()].map((s) => s.tupFetchedPerS)))),
      shardSkew: m((v) => v.postgres.shardSkew),
    });
  }

  const redis = compact({ opsPerS: m((v) => v.redis.opsPerS), memoryBytes: m((v) => v.redis.memoryBytes) });
  if (hasAny(redis)) summary.redis = redis;

  const upstreamNames = keysOf(own.map((v) => v.upstreams));
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

  const appNames = keysOf(own.map((v) => v.apps));
  if (appNames.length > 0) {
    summary.apps = compact({
      instances: appNames.map((instance) =>
        compact({ instance, cpuCores: m((v) => v.apps.get(instance)?.cpuCores), eventLoopLagP99Ms: m((v) => v.apps.get(instance)?.eventLoopLagP99Ms) }),
      ),
      cpuCores: m((v) => sum(defined([...v.apps.values()].map((a) => a.cpuCores)))),
      eventLoopLagP99MsMax: m((v) => max(defined([...v.apps.values()].map((a) => a.eventLoopLagP99Ms)))),
    });
  }

  const kinds = keysOf(own.map((v) => v.containers)).sort();
  if (kinds.length > 0) {
    summary.containers = kinds.map((kind) =>
      compact({
        kind,
        instances: Math.max(...own.map((v) => v.containers.get(kind)?.instances ?? 0)),
        cpuPercent: m((v) => v.containers.get(kind)?.cpuPercent),
        memoryBytes: m((v) => v.containers.get(kind)?.memoryBytes),
      }),
    );
  }

  const queueNames = keysOf(own.map((v) => v.queues)).sort();
  if (queueNames.length > 0) {
    summary.queues = queueNames.map((queue) => compact({ queue, depthMax: m((v) => v.queues.get(queue)?.depthMax), lagMs: m((v) => v.queues.get(queue)?.lagMs) }));
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Attribution.

type Rule =
  /** Absolute difference against `step` (hit ratios as fractions, skews, counts). */
  | { kind: 'absolute'; step: number }
  /** Relative difference against `change`, ignored below an absolute `floor`. */
  | { kind: 'relative'; change: number; floor: number };

interface Quantity {
  metric: string;
  rule: Rule;
  /** "cache hit ratio 0.0% vs 73.4%": candidate first. */
  sentence: (candidate: number, baseline: number) => string;
  pick: (s: ServerSummary) => Metric | undefined;
}

const KIND_LABELS: Readonly<Record<string, string>> = { pg: 'Postgres', pgbouncer: 'pgbouncer', app: 'app', objectstore: 'object store' };

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** 3 significant digits, no exponent: 0.0683, 1.23, 45.6, 12345. */
export function formatQuantity(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

export function formatBytes(sizeBytes: number): string {
  const mib = sizeBytes / (1024 * 1024);
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${formatQuantity(mib)} MiB`;
}

/** "+40%", "-12%"; a change from 0 has no percentage. */
function change(candidate: number, baseline: number): string {
  if (baseline === 0) return candidate === 0 ? '±0%' : 'from 0';
  const pct = ((candidate - baseline) / baseline) * 100;
  return `${pct >= 0 ? '+' : ''}${Math.abs(pct) >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

function relativeSentence(label: string, format: (v: number) => string, unit = '') {
  return (c: number, b: number) => `${label} ${change(c, b)} (${format(c)} vs ${format(b)}${unit})`;
}

const skewSentence = (label: string) => (c: number, b: number) => `${label} ${c.toFixed(2)}x vs ${b.toFixed(2)}x`;

function quantitiesFor(baseline: ServerSummary, candidate: ServerSummary): Quantity[] {
  const rel = (change: number, floor: number): Rule => ({ kind: 'relative', change, floor });
  const out: Quantity[] = [
    { metric: 'cache.hitRatio', rule: { kind: 'absolute', step: HIT_RATIO_NOTABLE_POINTS }, sentence: (c, b) => `cache hit ratio ${formatPercent(c)} vs ${formatPercent(b)}`, pick: (s) => s.cache?.hitRatio },
    { metric: 'pgbouncer.clientsWaitingMax', rule: { kind: 'absolute', step: POOL_WAITING_NOTABLE_CLIENTS }, sentence: (c, b) => `pgbouncer clients waiting: max ${formatQuantity(c)} vs ${formatQuantity(b)}`, pick: (s) => s.pgbouncer?.clientsWaitingMax },
    { metric: 'pgbouncer.maxWaitMs', rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.maxWaitMs), sentence: (c, b) => `pgbouncer longest client wait ${formatQuantity(c)} vs ${formatQuantity(b)} ms`, pick: (s) => s.pgbouncer?.maxWaitMs },
    { metric: 'pgbouncer.waitPerXactMs', rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.waitMs), sentence: (c, b) => `pgbouncer wait per transaction ${formatQuantity(c)} vs ${formatQuantity(b)} ms`, pick: (s) => s.pgbouncer?.waitPerXactMs },
    { metric: 'postgres.xactPerS', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.ratePerS), sentence: relativeSentence('Postgres transactions', formatQuantity, '/s'), pick: (s) => s.postgres?.xactPerS },
    { metric: 'postgres.tupFetchedPerS', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.tuplesPerS), sentence: relativeSentence('Postgres tuples fetched', formatQuantity, '/s'), pick: (s) => s.postgres?.tupFetchedPerS },
    { metric: 'postgres.shardSkew', rule: { kind: 'absolute', step: SKEW_NOTABLE_DELTA }, sentence: skewSentence('shard skew (busiest shard / mean)'), pick: (s) => s.postgres?.shardSkew },
    { metric: 'redis.opsPerS', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.ratePerS), sentence: relativeSentence('Redis ops', formatQuantity, '/s'), pick: (s) => s.redis?.opsPerS },
    { metric: 'redis.memoryBytes', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.memoryBytes), sentence: relativeSentence('Redis memory', formatBytes), pick: (s) => s.redis?.memoryBytes },
    { metric: 'nginx.upstreamMeanMs', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.upstreamMs), sentence: relativeSentence('app time behind nginx (mean)', formatQuantity, ' ms'), pick: (s) => s.nginx?.upstreamMeanMs },
    { metric: 'nginx.upstreamTimeSkew', rule: { kind: 'absolute', step: SKEW_NOTABLE_DELTA }, sentence: skewSentence('app instance skew (slowest / mean upstream time)'), pick: (s) => s.nginx?.upstreamTimeSkew },
    { metric: 'nginx.requestSkew', rule: { kind: 'absolute', step: SKEW_NOTABLE_DELTA }, sentence: skewSentence('app instance load skew (busiest / mean requests)'), pick: (s) => s.nginx?.requestSkew },
    { metric: 'apps.cpuCores', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.cpuCores), sentence: relativeSentence('app CPU', formatQuantity, ' cores'), pick: (s) => s.apps?.cpuCores },
    { metric: 'apps.eventLoopLagP99MsMax', rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.eventLoopLagMs), sentence: relativeSentence('app event-loop delay p99', formatQuantity, ' ms'), pick: (s) => s.apps?.eventLoopLagP99MsMax },
  ];
  // Container CPU per service kind; the app's own CPU counter already speaks for the app containers.
  const appCpuKnown = baseline.apps?.cpuCores !== undefined && candidate.apps?.cpuCores !== undefined;
  const kinds = [...new Set([...(baseline.containers ?? []), ...(candidate.containers ?? [])].map((c) => c.kind))].sort();
  for (const kind of kinds) {
    if (kind === 'app' && appCpuKnown) continue;
    const pick = (s: ServerSummary) => s.containers?.find((c) => c.kind === kind)?.cpuPercent;
    out.push({ metric: `containers.${kind}.cpuPercent`, rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.cpuPercent), sentence: relativeSentence(`${kindLabel(kind)} CPU`, (v) => formatQuantity(v), '% of a core'), pick });
  }
  const queues = [...new Set([...(baseline.queues ?? []), ...(candidate.queues ?? [])].map((q) => q.queue))].sort();
  for (const queue of queues) {
    const of = (s: ServerSummary) => s.queues?.find((q) => q.queue === queue);
    out.push({ metric: `queues.${queue}.depthMax`, rule: { kind: 'absolute', step: QUEUE_DEPTH_NOTABLE_JOBS }, sentence: (c, b) => `${queue} queue depth: max ${formatQuantity(c)} vs ${formatQuantity(b)} jobs`, pick: (s) => of(s)?.depthMax });
    out.push({ metric: `queues.${queue}.lagMs`, rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.queueLagMs), sentence: relativeSentence(`${queue} queue lag`, formatQuantity, ' ms'), pick: (s) => of(s)?.lagMs });
  }
  return out;
}

/** How many thresholds the difference spans (relative: compounding steps); 0 below the rule's floor. */
export function scoreOf(rule: Rule, candidate: number, baseline: number): number {
  const delta = Math.abs(candidate - baseline);
  if (rule.kind === 'absolute') return delta / rule.step;
  if (delta < rule.floor) return 0;
  const low = Math.min(Math.abs(candidate), Math.abs(baseline));
  const high = Math.max(Math.abs(candidate), Math.abs(baseline));
  // From (or to) zero there is no ratio: count floors instead. Otherwise count compounding steps
  // of the threshold (log scale), so a 20x change of a tiny wait does not dwarf everything else.
  return low === 0 ? delta / rule.floor : Math.log(high / low) / Math.log(1 + rule.change);
}

/**
 * Repeat noise: with at least two repeats on each side, a difference whose per-repeat ranges
 * overlap is not attributed (one side's repeats do not all sit above the other's).
 */
function withinRepeatNoise(candidate: Metric, baseline: Metric): boolean {
  const c = candidate.perRepeat.filter((v): v is number => v !== null);
  const b = baseline.perRepeat.filter((v): v is number => v !== null);
  if (c.length < 2 || b.length < 2) return false;
  return Math.min(...c) <= Math.max(...b) && Math.min(...b) <= Math.max(...c);
}

/**
 * The notable server-side differences of `candidate` against `baseline`, largest first (by score:
 * the difference in multiples of its threshold). A quantity missing on either side is skipped.
 *
 * @example
 * attribute(summarizeServer('memcached-on', runs), summarizeServer('memcached-off', runs))[0].sentence;
 * // "cache hit ratio 0.0% vs 73.4%"
 */
export function attribute(baseline: ServerSummary, candidate: ServerSummary): AttributionItem[] {
  const items: AttributionItem[] = [];
  for (const q of quantitiesFor(baseline, candidate)) {
    const b = q.pick(baseline);
    const c = q.pick(candidate);
    if (!b || !c) continue;
    const score = scoreOf(q.rule, c.mean, b.mean);
    if (score < 1 || withinRepeatNoise(c, b)) continue;
    items.push({ metric: q.metric, candidate: c.mean, baseline: b.mean, score: Number(score.toFixed(3)), sentence: q.sentence(c.mean, b.mean) });
  }
  return items.sort((x, y) => y.score - x.score || (x.metric < y.metric ? -1 : x.metric > y.metric ? 1 : 0));
}

/** attribute() with the reason when a side has no server metrics at all. */
export function attributeConfiguration(baseline: ServerSummary, candidate: ServerSummary): ConfigurationAttribution {
  const missing = [candidate, baseline].filter((s) => s.repeats.length === 0).map((s) => `"${s.configuration}"`);
  const base = { configuration: candidate.configuration, baseline: baseline.configuration };
  if (missing.length > 0) return { ...base, items: [], unavailableReason: `no server metrics for ${missing.join(' and ')}` };
  return { ...base, items: attribute(baseline, candidate), unavailableReason: '' };
}
