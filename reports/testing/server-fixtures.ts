import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import type { Percentiles } from '../../lib/percentiles-schema.ts';

/**
 * RunResult.server values shaped exactly as runner/collectors produce them (ServerMetricsSchema),
 * with the numbers of a real `feedscale run --duration 5 --warmup 2` on a 2-app, 2-shard stack
 * (memcached on and off), series trimmed to three points. Parameters change only what a test needs.
 */
export interface ServerFixture {
  /** memcached's hit ratio; null = a stack without memcached (the apps then see only misses). */
  hitRatio: number | null;
  xactPerSByShard: readonly number[];
  tupFetchedPerSByShard: readonly number[];
  /** Most clients waiting on each shard's pgbouncer. */
  clWaitingMaxByShard: readonly number[];
  waitPerXactMsByShard: readonly number[];
  redisOpsPerS: number;
  redisMemoryBytes: number;
  /** nginx $upstream_response_time mean per app instance. */
  upstreamMeanMsByInstance: readonly number[];
  appCpuCoresByInstance: readonly number[];
  /** docker stats CPU (100 = one core) by feedscale.service label. */
  containerCpuPercent: Readonly<Record<string, number>>;
  samplingDurationS: number;
}

/** memcached-on, as measured. */
export const MEMCACHED_ON_SERVER: ServerFixture = {
  hitRatio: 0.736,
  xactPerSByShard: [101.282, 95.909],
  tupFetchedPerSByShard: [448.686, 387.32],
  clWaitingMaxByShard: [0, 0],
  waitPerXactMsByShard: [0.068, 0.212],
  redisOpsPerS: 146.464,
  redisMemoryBytes: 10_016_672,
  upstreamMeanMsByInstance: [37.738, 38.309],
  appCpuCoresByInstance: [0.185, 0.185],
  containerCpuPercent: { 'app-0': 18.266, 'app-1': 18.088, memcached: 3.523, nginx: 2.033, objectstore: 0.152, 'pg-0': 2.598, 'pg-1': 2.525, 'pgbouncer-0': 1.478, 'pgbouncer-1': 1.592, redis: 1.085 },
  samplingDurationS: 9.497,
};

/** memcached-off, as measured: every hydration reads Postgres. */
export const MEMCACHED_OFF_SERVER: ServerFixture = {
  hitRatio: null,
  xactPerSByShard: [201.937, 226.755],
  tupFetchedPerSByShard: [1592.1, 1739.5],
  clWaitingMaxByShard: [0, 0],
  waitPerXactMsByShard: [0.159, 0.457],
  redisOpsPerS: 158.667,
  redisMemoryBytes: 10_004_288,
  upstreamMeanMsByInstance: [42.778, 40.138],
  appCpuCoresByInstance: [0.166, 0.167],
  containerCpuPercent: { 'app-0': 15.138, 'app-1': 16.063, nginx: 2.006, objectstore: 0, 'pg-0': 6.867, 'pg-1': 6.81, 'pgbouncer-0': 2.853, 'pgbouncer-1': 2.667, redis: 1.087 },
  samplingDurationS: 9.553,
};

const round3 = (v: number) => Math.round(v * 1000) / 1000;
/** Three points around a mean (x0.9, x1.0, x1.1), so that series means equal the summary means. */
const around = (meanValue: number) => [0.9, 1, 1.1].map((f) => round3(meanValue * f));
const times = [2.15, 5.16, 8.16];

function percentiles(meanMs: number, count: number): Percentiles {
  return { count, minMs: 1, meanMs, p50Ms: round3(meanMs * 0.11), p90Ms: round3(meanMs * 2.9), p99Ms: round3(meanMs * 14.6), p999Ms: round3(meanMs * 16.8), maxMs: round3(meanMs * 17) };
}

/** A full RunResult.server value. */
export function makeServerMetrics(overrides: Partial<ServerFixture> = {}): ServerMetrics {
  const f: ServerFixture = { ...MEMCACHED_ON_SERVER, ...overrides };
  const lookupsPerInstance = 10_424;
  const appHitRatio = f.hitRatio ?? 0;
  const requestsPerInstance = 522;
  const collectorNames = [
    ...(f.hitRatio === null ? [] : ['memcached']),
    'redis',
    ...f.xactPerSByShard.map((_, i) => `postgres-${i}`),
    ...f.xactPerSByShard.map((_, i) => `pgbouncer-${i}`),
    'nginx',
    ...f.appCpuCoresByInstance.map((_, i) => `app-${i}`),
    'containers',
  ];
  const server: ServerMetrics = {
    sampling: {
      startedAt: '2011-12-01T12:00:00.000Z',
      durationS: f.samplingDurationS,
      intervalMs: 1000,
      sampleTimeoutMs: 2000,
      ticks: 9,
      collectors: Object.fromEntries(collectorNames.map((name) => [name, { samples: 9, errors: 0, timeouts: 0, skipped: 0 }])),
    },
    redis: {
      series: around(f.redisOpsPerS).map((commandsPerS, i) => ({ tS: times[i]!, commandsPerS, instantaneousOpsPerS: Math.round(commandsPerS), usedMemoryBytes: f.redisMemoryBytes - (2 - i) * 8000, keys: 2802, connectedClients: 3 })),
      summary: { commands: Math.round(f.redisOpsPerS * f.samplingDurationS), commandsPerSMean: f.redisOpsPerS, commandsPerSMax: round3(f.redisOpsPerS * 1.1), usedMemoryBytesMax: f.redisMemoryBytes, keysEnd: 2802 },
    },
    postgres: f.xactPerSByShard.map((xactPerS, shard) => {
      const tupPerS = f.tupFetchedPerSByShard[shard] ?? 0;
      const xacts = around(xactPerS);
      return {
        shard,
        series: around(tupPerS).map((tupFetchedPerS, i) => ({
          tS: times[i]!,
          xactCommitPerS: xacts[i]!,
          xactRollbackPerS: 0,
          tupFetchedPerS,
          tupInsertedPerS: 0,
          tupUpdatedPerS: 0,
          tupDeletedPerS: 0,
          blksHitPerS: round3(tupFetchedPerS * 2.4),
          blksReadPerS: 0,
          bufferHitRatio: 1,
        })),
        summary: {
          xactCommit: Math.round(xactPerS * f.samplingDurationS),
          xactRollback: 0,
          tupFetched: Math.round(tupPerS * f.samplingDurationS),
          tupInserted: 0,
          tupUpdated: 0,
          tupDeleted: 0,
          blksHit: Math.round(tupPerS * 2.4 * f.samplingDurationS),
          blksRead: 23,
          bufferHitRatio: 0.997,
          xactCommitPerSMean: xactPerS,
        },
        topStatements: [{ query: 'SELECT id, user_id, caption FROM media WHERE id = ANY($1)', calls: 412, totalExecMs: 31.7, meanExecMs: 0.077, rows: 3890 }],
      };
    }),
    pgbouncer: f.xactPerSByShard.map((xactPerS, shard) => {
      const xacts = Math.round(xactPerS * 0.7 * f.samplingDurationS);
      const waitPerXactMs = f.waitPerXactMsByShard[shard] ?? 0;
      const clWaitingMax = f.clWaitingMaxByShard[shard] ?? 0;
      return {
        shard,
        series: [0, Math.ceil(clWaitingMax / 2), clWaitingMax].map((clWaiting, i) => ({
          tS: times[i]!,
          clActive: 21,
          clWaiting,
          svActive: clWaiting > 0 ? 20 : 1,
          svIdle: clWaiting > 0 ? 0 : 3,
          maxwaitMs: clWaiting > 0 ? clWaiting * 7 : 0,
          xactsPerS: round3(xactPerS * 0.7),
          queriesPerS: round3(xactPerS * 0.7),
          waitPerXactMs,
        })),
        summary: { xacts, queries: xacts, totalWaitMs: round3(waitPerXactMs * xacts), waitPerXactMs, clWaitingMax, svActiveMax: clWaitingMax > 0 ? 20 : 1, maxwaitMsMax: clWaitingMax * 7 },
      };
    }),
    nginx: {
      available: true,
      linesParsed: requestsPerInstance * f.upstreamMeanMsByInstance.length,
      linesUnparsed: 0,
      requestTime: percentiles(38.014, requestsPerInstance * f.upstreamMeanMsByInstance.length),
      upstreams: f.upstreamMeanMsByInstance.map((meanMs, i) => ({
        upstream: `app-${i}`,
        series: times.map((tS, j) => ({ tS, requestsPerS: j === 0 ? 0 : 130.3, meanUpstreamMs: j === 0 ? null : meanMs })),
        summary: { requests: requestsPerInstance, status5xx: 0, upstreamTime: percentiles(meanMs, requestsPerInstance) },
      })),
    },
    apps: f.appCpuCoresByInstance.map((cpu, i) => {
      const hits = Math.round(lookupsPerInstance * appHitRatio);
      return {
        instance: `app-${i}`,
        url: `http://127.0.0.1:${32904 + i}`,
        series: around(cpu).map((cpuCoreFraction, j) => ({ tS: times[j]!, requestsPerS: 58, cacheHitsPerS: round3((hits / f.samplingDurationS) * (j + 1) / 2), cacheMissesPerS: 292, pgQueriesPerS: 62.258, cpuCoreFraction, residentMemoryBytes: 172_679_168, eventLoopLagP99Ms: 20 + j })),
        summary: {
          requests: requestsPerInstance,
          routes: [{ method: 'GET', route: '/users/:userId/feed', requests: requestsPerInstance, byStatus: { '200': requestsPerInstance }, meanMs: 26.84, p50Ms: 3.636, p99Ms: 469.5 }],
          cacheHits: hits,
          cacheMisses: lookupsPerInstance - hits,
          cacheHitRatio: round3(appHitRatio),
          pgQueriesByShard: Object.fromEntries(f.xactPerSByShard.map((x, s) => [String(s), Math.round(x * 2.8)])),
          cpuCoreFractionMean: cpu,
          residentMemoryBytesMax: 176_701_440,
        },
      };
    }),
    containers: Object.entries(f.containerCpuPercent).map(([service, cpuPercentMean]) => ({
      name: `feedscale-0d4cd9ee-${service}`,
      service,
      series: around(cpuPercentMean).map((cpuPercent, i) => ({ tS: times[i]! + 1, cpuPercent, memoryBytes: 60_000_000 })),
      summary: { cpuPercentMean, cpuPercentMax: round3(cpuPercentMean * 1.1), memoryBytesMax: 60_000_000, memoryLimitBytes: 25_276_514_304 },
    })),
  };
  if (f.hitRatio !== null) {
    const gets = 20_851;
    const getHits = Math.round(gets * f.hitRatio);
    server.memcached = {
      series: around(gets / f.samplingDurationS).map((g, i) => ({ tS: times[i]!, getHitsPerS: round3(g * f.hitRatio!), getMissesPerS: round3(g * (1 - f.hitRatio!)), hitRatio: f.hitRatio, evictionsPerS: 0, currItems: 1573 + i * 1800, bytes: 413_457 + i * 480_000 })),
      summary: { getHits, getMisses: gets - getHits, hitRatio: f.hitRatio, evictions: 0, currItemsMax: 5295, bytesMax: 1_392_274, instances: [{ getHits, getMisses: gets - getHits, hitRatio: f.hitRatio, evictions: 0 }] },
    };
  }
  return server;
}

/**
 * A run whose collectors found only Redis: no memcached, no Postgres shard or pgbouncer, nginx
 * without upstream log lines, no app instance and no container.
 */
export function makeRedisOnlyServerMetrics(overrides: Partial<ServerFixture> = {}): ServerMetrics {
  const { sampling, redis } = makeServerMetrics(overrides);
  const noRequests: Percentiles = { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  return { sampling, redis, postgres: [], pgbouncer: [], nginx: { available: false, linesParsed: 0, linesUnparsed: 0, requestTime: noRequests, upstreams: [] }, apps: [], containers: [] };
}
