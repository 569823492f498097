import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * A compact digest of the server-side metrics (RunResult.server, runner/collectors) per
 * configuration, and the notable differences between a configuration and the baseline: the
 * "why" beside each latency change. Built by reports/server-side/summarize-server.ts and
 * attribute.ts; stored in the report.
 */

const Obj = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, description === undefined ? { additionalProperties: false } : { additionalProperties: false, description });

/** One quantity over the repeats of a configuration. */
export const MetricSchema = Obj(
  {
    /** Mean of the non-null per-repeat values. */
    mean: Type.Number(),
    /** One value per entry of ServerSummary.repeats, in that order; null when that repeat did not measure it. */
    perRepeat: Type.Array(Type.Union([Type.Number(), Type.Null()])),
  },
  'A value per repeat and its mean; absent from its parent when no repeat measured it.',
);
export type Metric = Static<typeof MetricSchema>;

const M = Type.Optional(MetricSchema);

export const CacheInstanceSummarySchema = Obj({
  /** Position in the memcached ring (the stack's memcachedServers order). */
  index: Type.Integer({ minimum: 0 }),
  /** This instance's get_hits / (get_hits + get_misses). */
  hitRatio: M,
});

export const CacheSummarySchema = Obj({
  /** memcached get_hits / (get_hits + get_misses), summed over every instance of the ring; from the app's own cache lookups when memcached is not collected. */
  hitRatio: M,
  /** memcached gets (hits + misses) per second, all instances. */
  getsPerS: M,
  evictionsPerS: M,
  /** Each memcached instance, when memcached is collected. */
  instances: Type.Optional(Type.Array(CacheInstanceSummarySchema)),
});

export const PoolSummarySchema = Obj({
  /** Most clients waiting for a server connection at any sample, on any shard's pgbouncer. */
  clientsWaitingMax: M,
  /** Clients waiting, summed over shards, mean over samples. */
  clientsWaitingMean: M,
  /** Age of the oldest waiting client at any sample (SHOW POOLS maxwait). */
  maxWaitMs: M,
  /** Client wait for a server per transaction, over all shards (SHOW STATS). */
  waitPerXactMs: M,
});

export const ShardLoadSchema = Obj({
  /** Physical shard index. */
  shard: Type.Integer({ minimum: 0 }),
  xactPerS: M,
  tupFetchedPerS: M,
});

export const PostgresSummarySchema = Obj({
  shards: Type.Array(ShardLoadSchema),
  /** Transactions committed per second, summed over shards. */
  xactPerS: M,
  /** Tuples fetched per second, summed over shards. */
  tupFetchedPerS: M,
  /** max / mean of transactions per second across shards (1 = even); absent with one shard. */
  shardSkew: M,
});

export const RedisSummarySchema = Obj({
  /** Commands processed per second. */
  opsPerS: M,
  /** Most memory used at any sample. */
  memoryBytes: M,
});

export const UpstreamSummarySchema = Obj({
  /** App instance ("app-0"), or the upstream address when nginx's target is not a known container. */
  instance: Type.String(),
  requestsPerS: M,
  /** $upstream_response_time. */
  meanMs: M,
  p99Ms: M,
});

export const NginxSummarySchema = Obj({
  upstreams: Type.Array(UpstreamSummarySchema),
  /** Mean upstream time over all upstream requests. */
  upstreamMeanMs: M,
  /** max / mean of the instances' mean upstream time (1 = even); absent with one instance. */
  upstreamTimeSkew: M,
  /** max / mean of requests per instance (1 = even balancing); absent with one instance. */
  requestSkew: M,
});

export const AppInstanceSummarySchema = Obj({
  instance: Type.String(),
  /** process CPU: 1 = one core busy. */
  cpuCores: M,
  /** Mean over samples of the event loop's p99 delay. */
  eventLoopLagP99Ms: M,
});

export const AppsSummarySchema = Obj({
  instances: Type.Array(AppInstanceSummarySchema),
  /** Summed over instances. */
  cpuCores: M,
  /** The worst instance's mean event-loop p99 delay. */
  eventLoopLagP99MsMax: M,
});

export const ContainerKindSummarySchema = Obj({
  /** Service kind: the feedscale.service label without its instance number ("app", "pg", "pgbouncer", "redis", ...). */
  kind: Type.String(),
  /** Most containers of this kind in one repeat. */
  instances: Type.Integer({ minimum: 0 }),
  /** CPU summed over the kind's containers, as `docker stats` (100 = one core), mean over the run. */
  cpuPercent: M,
  /** Memory summed over the kind's containers, each at its highest sample. */
  memoryBytes: M,
});

export const QueueSummarySchema = Obj({
  queue: Type.String(),
  /** Most jobs waiting at any sample. */
  depthMax: M,
  /** Enqueue to done, p99 over the jobs completed during the run (their mean when the p99 is missing); absent without a completed job. */
  lagMs: M,
});

export const ServerSummarySchema = Obj(
  {
    configuration: Type.String(),
    /** Repeats whose run carried server metrics, in order; every perRepeat array aligns with it. */
    repeats: Type.Array(Type.Integer({ minimum: 0 })),
    /** Each part is absent when no repeat had its collector. */
    cache: Type.Optional(CacheSummarySchema),
    pgbouncer: Type.Optional(PoolSummarySchema),
    postgres: Type.Optional(PostgresSummarySchema),
    redis: Type.Optional(RedisSummarySchema),
    nginx: Type.Optional(NginxSummarySchema),
    apps: Type.Optional(AppsSummarySchema),
    containers: Type.Optional(Type.Array(ContainerKindSummarySchema)),
    /** Job queues (BullMQ), when the stack runs a worker. */
    queues: Type.Optional(Type.Array(QueueSummarySchema)),
  },
  'Server-side metrics of one configuration, digested: means over repeats with the per-repeat values.',
);
export type ServerSummary = Static<typeof ServerSummarySchema>;

export const AttributionItemSchema = Obj({
  /** Stable id of the quantity, e.g. "cache.hitRatio", "postgres.shardSkew", "containers.pg.cpuPercent". */
  metric: Type.String(),
  /** Mean over the candidate's repeats. */
  candidate: Type.Number(),
  /** Mean over the baseline's repeats. */
  baseline: Type.Number(),
  /** Size of the difference in multiples of the metric's notability threshold (relative changes: compounding steps of it); >= 1; items are ranked by it. */
  score: Type.Number({ minimum: 0 }),
  /** Plain sentence, candidate first: "cache hit ratio 0.0% vs 73.4%". */
  sentence: Type.String(),
});
export type AttributionItem = Static<typeof AttributionItemSchema>;

export const ConfigurationAttributionSchema = Obj(
  {
    configuration: Type.String(),
    baseline: Type.String(),
    /** Notable differences, largest first; empty when nothing crossed its threshold. */
    items: Type.Array(AttributionItemSchema),
    /** Why there are no items to show ("no server metrics for ..."); '' when the comparison ran. */
    unavailableReason: Type.String(),
  },
  'What changed on the server side between the baseline and one configuration.',
);
export type ConfigurationAttribution = Static<typeof ConfigurationAttributionSchema>;
