import { Type, type Static } from '@sinclair/typebox';
import { type ConfigIssue, validateConfigWithRules } from '../../lib/validate.ts';
import { INSTAGRAM_EPOCH_MS } from '../data/ids.ts';
import { shardLayoutIssue } from '../data/shard-map.ts';
import {
  CacheModeSchema,
  FanOutModeSchema,
  FeedReadDelayMsSchema,
  FeedReadExtraQueriesSchema,
  LogicalShardsSchema,
  ReadTimeMergeAboveFollowersSchema,
} from '../stack-switches.ts';

// Configuration of one app instance. The harness passes it as JSON in the FEEDSCALE_APP_CONFIG
// environment variable; `loadAppConfig` validates it once and freezes it.

/**
 * Defaults that the seed loader must share with the service, so seeded state looks like what the
 * live paths would have written (feed caps, session lifetime, map buckets, celebrity lists).
 */
export const APP_DEFAULTS = Object.freeze({
  feedMaxLength: 500,
  sessionTtlS: 86_400,
  mediaOwnerBucketSize: 1000,
  celebrityMediaMaxLength: 100,
});

export const PhysicalShardSchema = Type.Object(
  {
    /** Host of the shard's pgbouncer (the app never talks to Postgres directly). */
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 6432 }),
    database: Type.String({ default: 'feedscale' }),
    user: Type.String({ default: 'feedscale' }),
    password: Type.String({ default: 'feedscale' }),
    /**
     * The shard's streaming replica (12 primaries + 12 replicas in 2011, docs/facts.md), reached
     * with the primary's database and credentials. Only feed hydration reads from it, and only
     * when feed.readFromReplica is set.
     */
    replica: Type.Optional(
      Type.Object(
        { host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535, default: 6432 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type PhysicalShard = Static<typeof PhysicalShardSchema>;

export const AppConfigSchema = Type.Object(
  {
    instanceId: Type.String({ default: 'app-0' }),
    host: Type.String({ default: '0.0.0.0' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    logLevel: Type.Union(
      [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')],
      { default: 'warn' },
    ),
    /** Logical shards (Postgres schemas), spread over `shards` by the shard map (system/data/shard-map.ts). */
    logicalShards: LogicalShardsSchema,
    idEpochMs: Type.Integer({ default: INSTAGRAM_EPOCH_MS }),
    /** One entry per physical Postgres host, in shard-map order. */
    shards: Type.Array(PhysicalShardSchema, { minItems: 1 }),
    /** pg.Pool size per physical shard in this instance. */
    pgPoolMax: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    redisUrl: Type.String({ default: 'redis://redis:6379' }),
    cache: Type.Object(
      {
        mode: CacheModeSchema,
        /**
         * host:port of each memcached instance (6 in 2011, docs/facts.md); keys are spread over
         * them by a consistent-hash ring (ketama), so adding one moves about 1/N of the keys.
         * Empty when mode is 'off'; at least one when it is 'memcached' (checkAppConfig).
         */
        servers: Type.Array(Type.String({ pattern: '^[^\\s:]+:[0-9]{1,5}$' }), { default: [] }),
        ttlS: Type.Integer({ minimum: 1, default: 3600 }),
      },
      { additionalProperties: false, default: {} },
    ),
    objectStore: Type.Object(
      {
        /** Endpoint the app itself uses (inside the Docker network). */
        endpoint: Type.String({ default: 'http://objectstore:9000' }),
        /** Endpoint written into presigned URLs: where clients reach the store. */
        publicEndpoint: Type.String({ default: 'http://objectstore:9000' }),
        bucket: Type.String({ default: 'media' }),
        region: Type.String({ default: 'us-east-1' }),
        accessKeyId: Type.String({ default: 'S3RVER' }),
        secretAccessKey: Type.String({ default: 'S3RVER' }),
        presignExpiresS: Type.Integer({ minimum: 1, maximum: 604800, default: 900 }),
      },
      { additionalProperties: false, default: {} },
    ),
    feed: Type.Object(
      {
        /** Entries kept in each user's Redis feed list (LTRIM cap). */
        maxLength: Type.Integer({ minimum: 1, default: APP_DEFAULTS.feedMaxLength }),
        pageSizeDefault: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
        pageSizeMax: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        /** Hydrate feed pages from each shard's replica (shards[i].replica) instead of its primary. */
        readFromReplica: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    sessions: Type.Object(
      {
        /** Lifetime of a session token in Redis (`session:<token>`); not refreshed on use. */
        ttlS: Type.Integer({ minimum: 1, maximum: 31_536_000, default: APP_DEFAULTS.sessionTtlS }),
      },
      { additionalProperties: false, default: {} },
    ),
    activity: Type.Object(
      {
        /** Entries kept in each user's activity list (`activity:<userId>`, LTRIM cap). Assumption. */
        maxLength: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
        pageSizeDefault: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
      },
      { additionalProperties: false, default: {} },
    ),
    fanOut: Type.Object(
      {
        /**
         * 'queue': completing an upload enqueues a BullMQ job and worker processes push the ID
         * (Gearman workers did it in 2011, docs/facts.md); 'sync': the request does it itself.
         */
        mode: FanOutModeSchema,
        /** Followers per followers page and per Redis pipeline. */
        batchSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
        /**
         * Accounts with more followers than this are not fanned out: their media go to
         * `celebrity-media:<ownerId>` and feed reads merge them in. null (default) fans out every
         * account, as Instagram did in 2011.
         */
        readTimeMergeAboveFollowers: ReadTimeMergeAboveFollowersSchema,
        /** Entries kept in each `celebrity-media:<ownerId>` list. */
        celebrityMediaMaxLength: Type.Integer({ minimum: 1, maximum: 10_000, default: APP_DEFAULTS.celebrityMediaMaxLength }),
        /** Jobs one worker process runs at once, per queue. */
        workerConcurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
        /** Attempts per job before it is left failed (exponential backoff from 100 ms). */
        attempts: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
      },
      { additionalProperties: false, default: {} },
    ),
    notifications: Type.Object(
      {
        /** Base URL of the push service (the notification sink standing in for APNs); POST <sinkUrl>/push. */
        sinkUrl: Type.String({ default: 'http://notification-sink:8090' }),
        timeoutMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 2000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    cdn: Type.Object(
      {
        /** Public URL of the CDN nginx in front of the object store; media URLs are `<baseUrl>/<bucket>/<objectKey>`. */
        baseUrl: Type.String({ pattern: '^https?://[^\\s/]+$', default: 'http://cdn:8080' }),
      },
      { additionalProperties: false, default: {} },
    ),
    mediaOwnerMap: Type.Object(
      {
        /** Media per Redis hash of the media -> owner map (2011: 1000, with hash-zipmap-max-entries 1000). */
        bucketSize: Type.Integer({ minimum: 1, maximum: 100_000, default: APP_DEFAULTS.mediaOwnerBucketSize }),
      },
      { additionalProperties: false, default: {} },
    ),
    faults: Type.Object(
      {
        /**
         * Milliseconds added to every feed read before it answers: an injected regression, so a
         * gate can be shown to catch one (and, later, fault scenarios). 0 = none.
         */
        feedReadDelayMs: FeedReadDelayMsSchema,
        /** Extra trivial queries on the feed owner's shard per feed read (an injected regression in queries per request). */
        feedReadExtraQueries: FeedReadExtraQueriesSchema,
      },
      { additionalProperties: false, default: {} },
    ),
    worker: Type.Object(
      {
        /** Port of the worker process's /metrics and /health (system/jobs/worker.ts). */
        metricsPort: Type.Integer({ minimum: 0, maximum: 65535, default: 9100 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type AppConfig = Static<typeof AppConfigSchema>;

/** Rules between fields, each with the path of the field that breaks it. */
export function checkAppConfig(config: Readonly<AppConfig>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.cache.mode === 'memcached' && config.cache.servers.length === 0) {
    issues.push({ path: '/cache/servers', message: 'needs at least one host:port when cache.mode is "memcached"' });
  }
  if (config.cache.mode === 'off' && config.cache.servers.length > 0) {
    issues.push({ path: '/cache/servers', message: 'must be empty when cache.mode is "off"' });
  }
  const layout = shardLayoutIssue(config.logicalShards, config.shards.length);
  if (layout) issues.push({ path: '/logicalShards', message: layout });
  return issues;
}

/**
 * An app instance's configuration from input (the harness's JSON): schema defaults and rules,
 * then the rules between fields, every issue with its path (CFG_ERR_INVALID); frozen.
 */
export function loadAppConfig(input: unknown, what = 'app configuration'): Readonly<AppConfig> {
  return validateConfigWithRules(AppConfigSchema, input, what, checkAppConfig);
}
