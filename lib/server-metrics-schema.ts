import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PercentilesSchema } from './percentiles-schema.ts';

/**
 * What the server-side collectors return for one run: a per-second time series and a summary
 * over the run for each part of the stack, plus the health of the sampling itself. Stored in
 * RunResult.server (its keys are the collector names below). Every rate is a delta between two
 * successful samples divided by the real time between them, so a skipped or failed tick widens
 * one interval instead of doubling a point. Ratios are null when their denominator is 0.
 */

const Obj = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, description === undefined ? { additionalProperties: false } : { additionalProperties: false, description });
const Count = Type.Integer({ minimum: 0 });
const Rate = Type.Number({ minimum: 0 });
const Ratio = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
/** Seconds since the collectors started; the time the sample behind the point was answered. */
const TimeS = Type.Number({ minimum: 0 });

export const CollectorHealthSchema = Obj(
  {
    samples: Count,
    /** Samples that threw or answered garbage. */
    errors: Count,
    /** Samples abandoned after sampleTimeoutMs (also counted in errors). */
    timeouts: Count,
    /** Ticks skipped because this collector's previous sample was still running. */
    skipped: Count,
    lastError: Type.Optional(Type.String()),
  },
  'How one collector fared; a collector that fails keeps sampling.',
);
export type CollectorHealth = Static<typeof CollectorHealthSchema>;

export const SamplingSchema = Obj({
  startedAt: Type.String({ format: 'date-time' }),
  durationS: Type.Number({ minimum: 0 }),
  intervalMs: Type.Integer({ minimum: 1 }),
  sampleTimeoutMs: Type.Integer({ minimum: 1 }),
  ticks: Count,
  /** By collector instance: "redis", "postgres-0", "app-1", "containers", ... */
  collectors: Type.Record(Type.String(), CollectorHealthSchema),
});
export type Sampling = Static<typeof SamplingSchema>;

export const MemcachedPointSchema = Obj({
  tS: TimeS,
  getHitsPerS: Rate,
  getMissesPerS: Rate,
  hitRatio: Ratio,
  evictionsPerS: Rate,
  currItems: Count,
  bytes: Count,
});
export const MemcachedMetricsSchema = Obj({
  series: Type.Array(MemcachedPointSchema),
  summary: Obj({
    getHits: Count,
    getMisses: Count,
    hitRatio: Ratio,
    evictions: Count,
    currItemsMax: Count,
    bytesMax: Count,
    /** Each instance of the ring, in the order of the stack's memcachedServers. */
    instances: Type.Array(Obj({ getHits: Count, getMisses: Count, hitRatio: Ratio, evictions: Count })),
  }),
});
export type MemcachedMetrics = Static<typeof MemcachedMetricsSchema>;

export const RedisPointSchema = Obj({
  tS: TimeS,
  /** From total_commands_processed deltas. */
  commandsPerS: Rate,
  /** Redis's own instantaneous_ops_per_sec at the sample. */
  instantaneousOpsPerS: Rate,
  usedMemoryBytes: Count,
  /** Sum of keys over the keyspace (all dbs). */
  keys: Count,
  connectedClients: Count,
});
export const RedisMetricsSchema = Obj({
  series: Type.Array(RedisPointSchema),
  summary: Obj({ commands: Count, commandsPerSMean: Rate, commandsPerSMax: Rate, usedMemoryBytesMax: Count, keysEnd: Count }),
});
export type RedisMetrics = Static<typeof RedisMetricsSchema>;

export const PgStatementSchema = Obj({
  query: Type.String(),
  calls: Count,
  totalExecMs: Type.Number({ minimum: 0 }),
  meanExecMs: Type.Number({ minimum: 0 }),
  rows: Count,
});
export type PgStatement = Static<typeof PgStatementSchema>;

export const PostgresPointSchema = Obj({
  tS: TimeS,
  xactCommitPerS: Rate,
  xactRollbackPerS: Rate,
  tupFetchedPerS: Rate,
  tupInsertedPerS: Rate,
  tupUpdatedPerS: Rate,
  tupDeletedPerS: Rate,
  blksHitPerS: Rate,
  blksReadPerS: Rate,
  /** blks_hit / (blks_hit + blks_read) within the interval. */
  bufferHitRatio: Ratio,
});
export const PostgresShardMetricsSchema = Obj({
  shard: Count,
  series: Type.Array(PostgresPointSchema),
  summary: Obj({
    xactCommit: Count,
    xactRollback: Count,
    tupFetched: Count,
    tupInserted: Count,
    tupUpdated: Count,
    tupDeleted: Count,
    blksHit: Count,
    blksRead: Count,
    bufferHitRatio: Ratio,
    xactCommitPerSMean: Rate,
  }),
  /** pg_stat_statements top 10 by total_exec_time since the collectors started. */
  topStatements: Type.Array(PgStatementSchema),
  /** Why topStatements is empty, when pg_stat_statements could not be read. */
  topStatementsError: Type.Optional(Type.String()),
});
export type PostgresShardMetrics = Static<typeof PostgresShardMetricsSchema>;

export const PgbouncerPointSchema = Obj({
  tS: TimeS,
  clActive: Count,
  clWaiting: Count,
  svActive: Count,
  svIdle: Count,
  /** Age of the oldest waiting client at the sample (SHOW POOLS maxwait). */
  maxwaitMs: Type.Number({ minimum: 0 }),
  xactsPerS: Rate,
  queriesPerS: Rate,
  /** Client wait for a server per transaction in the interval (SHOW STATS total_wait_time / total_xact_count deltas). */
  waitPerXactMs: NullableNumber,
});
export const PgbouncerShardMetricsSchema = Obj({
  shard: Count,
  series: Type.Array(PgbouncerPointSchema),
  summary: Obj({
    xacts: Count,
    queries: Count,
    totalWaitMs: Type.Number({ minimum: 0 }),
    waitPerXactMs: NullableNumber,
    clWaitingMax: Count,
    svActiveMax: Count,
    maxwaitMsMax: Type.Number({ minimum: 0 }),
  }),
});
export type PgbouncerShardMetrics = Static<typeof PgbouncerShardMetricsSchema>;

export const NginxUpstreamPointSchema = Obj({ tS: TimeS, requestsPerS: Rate, meanUpstreamMs: NullableNumber });
export const NginxUpstreamMetricsSchema = Obj({
  /** App service name ("app-0") when the address is one of the run's containers, else the address. */
  upstream: Type.String(),
  series: Type.Array(NginxUpstreamPointSchema),
  summary: Obj({
    requests: Count,
    /** Responses nginx sent with status >= 500 after trying this upstream. */
    status5xx: Count,
    /** $upstream_response_time. */
    upstreamTime: PercentilesSchema,
  }),
});
export const NginxMetricsSchema = Obj({
  /** false when nginx logs no `upstream` access lines (access_log off): the rest is then empty. */
  available: Type.Boolean(),
  linesParsed: Count,
  linesUnparsed: Count,
  /** $request_time of every logged request. */
  requestTime: PercentilesSchema,
  upstreams: Type.Array(NginxUpstreamMetricsSchema),
});
export type NginxMetrics = Static<typeof NginxMetricsSchema>;

export const AppRouteSummarySchema = Obj({
  method: Type.String(),
  route: Type.String(),
  requests: Count,
  /** By status code, e.g. { "200": 40, "404": 1 }. */
  byStatus: Type.Record(Type.String(), Count),
  meanMs: NullableNumber,
  /** Estimated from the histogram buckets (linear within a bucket, as PromQL histogram_quantile). */
  p50Ms: NullableNumber,
  p99Ms: NullableNumber,
});
export type AppRouteSummary = Static<typeof AppRouteSummarySchema>;

export const AppPointSchema = Obj({
  tS: TimeS,
  requestsPerS: Rate,
  cacheHitsPerS: Rate,
  cacheMissesPerS: Rate,
  pgQueriesPerS: Rate,
  /** process_cpu_seconds_total delta / elapsed: 1 = one core busy. */
  cpuCoreFraction: Rate,
  residentMemoryBytes: Count,
  eventLoopLagP99Ms: NullableNumber,
});
export const AppInstanceMetricsSchema = Obj({
  instance: Type.String(),
  url: Type.String(),
  series: Type.Array(AppPointSchema),
  summary: Obj({
    requests: Count,
    routes: Type.Array(AppRouteSummarySchema),
    cacheHits: Count,
    cacheMisses: Count,
    cacheHitRatio: Ratio,
    /** SQL statements sent, by physical shard index. */
    pgQueriesByShard: Type.Record(Type.String(), Count),
    cpuCoreFractionMean: Rate,
    residentMemoryBytesMax: Count,
  }),
});
export type AppInstanceMetrics = Static<typeof AppInstanceMetricsSchema>;

export const ContainerPointSchema = Obj({
  tS: TimeS,
  /** As `docker stats`: 100 = one core busy. */
  cpuPercent: Rate,
  /** As `docker stats`: usage minus inactive file cache. */
  memoryBytes: Count,
});
export const ContainerMetricsSchema = Obj({
  name: Type.String(),
  /** The feedscale.service label: "pg-0", "app-1", "nginx", ... */
  service: Type.String(),
  series: Type.Array(ContainerPointSchema),
  summary: Obj({ cpuPercentMean: Rate, cpuPercentMax: Rate, memoryBytesMax: Count, memoryLimitBytes: Count }),
});
export type ContainerMetrics = Static<typeof ContainerMetricsSchema>;

export const QueueMetricsSchema = Obj({
  queue: Type.String(),
  series: Type.Array(Obj({ tS: TimeS, depth: Count })),
  summary: Obj({
    depthMax: Count,
    depthMean: Rate,
    /** Jobs completed during the run (by the sampled worker). */
    jobsCompleted: Count,
    /** Enqueue to done, of the jobs completed during the run; null without any. */
    lagMsMean: NullableNumber,
    lagP99Ms: NullableNumber,
  }),
});
export type QueueMetrics = Static<typeof QueueMetricsSchema>;

export const ServerMetricsSchema = Obj(
  {
    sampling: SamplingSchema,
    /** Absent when the stack runs without memcached. */
    memcached: Type.Optional(MemcachedMetricsSchema),
    redis: RedisMetricsSchema,
    postgres: Type.Array(PostgresShardMetricsSchema),
    pgbouncer: Type.Array(PgbouncerShardMetricsSchema),
    nginx: NginxMetricsSchema,
    apps: Type.Array(AppInstanceMetricsSchema),
    containers: Type.Array(ContainerMetricsSchema),
    /** The job queues, from a worker's /metrics; absent when the stack runs no worker. */
    queues: Type.Optional(Type.Array(QueueMetricsSchema)),
  },
  'Server-side metrics sampled during one run (runner/collectors).',
);
export type ServerMetrics = Static<typeof ServerMetricsSchema>;
