import { Type, type Static } from '@sinclair/typebox';
import { ProfileToolSchema } from '../lib/profile-schema.ts';
import { type ConfigIssue, validateConfigWithRules } from '../lib/validate.ts';
import { shardLayoutIssue } from '../system/data/shard-map.ts';
import {
  CacheModeSchema,
  FanOutModeSchema,
  FeedReadDelayMsSchema,
  FeedReadExtraQueriesSchema,
  LogicalShardsSchema,
  ReadTimeMergeAboveFollowersSchema,
} from '../system/stack-switches.ts';

/**
 * The shape of one stack: what `startStack` brings up. Defaults follow the 2011 design
 * scaled down to a 2-core machine (docs/facts.md: stateless app tier, Postgres shards
 * behind pgbouncer, Redis, memcached, S3).
 */
export const ImageCatalogChoiceSchema = Type.Union([Type.Literal('auto'), Type.Literal('official'), Type.Literal('local')], {
  default: 'auto',
  description: 'official: pinned registry images; local: built here from Debian packages; auto: official when pullable, else local',
});
export type ImageCatalogChoice = Static<typeof ImageCatalogChoiceSchema>;

const CpuQuota = (description: string) =>
  Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 64, description: `${description} (CPUs, e.g. 0.5); unset = no quota` }));

export const StackConfigSchema = Type.Object(
  {
    catalog: ImageCatalogChoiceSchema,
    appInstances: Type.Integer({ minimum: 1, maximum: 32, default: 2, description: 'Stateless Fastify app containers behind nginx (2011: 25+ Django servers).' }),
    physicalShards: Type.Integer({ minimum: 1, maximum: 16, default: 2, description: 'Physical Postgres hosts, each behind its own pgbouncer (2011: 12 primaries).' }),
    logicalShards: LogicalShardsSchema,
    cache: CacheModeSchema,
    workers: Type.Integer({
      minimum: 0,
      maximum: 32,
      default: 1,
      description: 'Queue worker containers running fan-out and push jobs (2011: ~200 Gearman workers). Needs >= 1 when fanOut is "queue".',
    }),
    fanOut: FanOutModeSchema,
    readTimeMergeAboveFollowers: ReadTimeMergeAboveFollowersSchema,
    memcachedInstances: Type.Integer({
      minimum: 1,
      maximum: 8,
      default: 1,
      description: 'memcached containers when the cache is on; keys spread over them by consistent hashing (2011: 6).',
    }),
    replicas: Type.Integer({ minimum: 0, maximum: 1, default: 0, description: 'Streaming replicas per physical shard (2011: 1 per primary).' }),
    readFromReplica: Type.Boolean({ default: false, description: 'Feed hydration reads from the replicas (needs replicas: 1).' }),
    injectFeedReadDelayMs: FeedReadDelayMsSchema,
    injectFeedReadExtraQueries: FeedReadExtraQueriesSchema,
    pgbouncerPoolSize: Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'pgbouncer default_pool_size: server connections per shard (transaction pooling).' }),
    appPgPoolMax: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'pg.Pool size per physical shard inside each app instance (client connections to pgbouncer).' }),
    memcachedMemoryMb: Type.Integer({ minimum: 16, maximum: 65536, default: 128, description: 'memcached memory limit (-m), MB.' }),
    cpus: Type.Object(
      {
        app: CpuQuota('quota per app container'),
        postgres: CpuQuota('quota per Postgres container'),
        pgbouncer: CpuQuota('quota per pgbouncer container'),
        redis: CpuQuota('quota of the Redis container'),
        memcached: CpuQuota('quota of the memcached container'),
        nginx: CpuQuota('quota of the nginx container'),
      },
      { additionalProperties: false, default: {}, description: 'CPU quotas per container kind.' },
    ),
    startupTimeoutS: Type.Integer({ minimum: 5, maximum: 1800, default: 120, description: 'Seconds each service may take to start and answer a real request.' }),
    profile: Type.Union([Type.Literal('off'), ...ProfileToolSchema.anyOf], {
      default: 'off',
      description:
        "Run app-0 under clinic (doctor, flame or bubbleprof) while the other app instances run as usual; `feedscale run` collects clinic's output into the job folder and links it from the report.",
    }),
  },
  { additionalProperties: false },
);
export type StackConfig = Static<typeof StackConfigSchema>;

/** Rules between fields, each with the path of the field that breaks it. */
export function checkStackConfig(config: Readonly<StackConfig>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const layout = shardLayoutIssue(config.logicalShards, config.physicalShards);
  if (layout) issues.push({ path: '/logicalShards', message: layout });
  if (config.fanOut === 'queue' && config.workers < 1) issues.push({ path: '/workers', message: 'must be >= 1 when fanOut is "queue" (nobody would run the jobs)' });
  if (config.readFromReplica && config.replicas < 1) issues.push({ path: '/readFromReplica', message: 'needs replicas: 1' });
  return issues;
}

/**
 * A stack configuration from user input: schema defaults and rules, then the rules between
 * fields, every issue with its path (CFG_ERR_INVALID). Every entry point that starts a stack
 * from input goes through here; the main job adds its configuration paths itself.
 */
export function loadStackConfig(input: unknown, what = 'stack configuration'): Readonly<StackConfig> {
  return validateConfigWithRules(StackConfigSchema, input, what, checkStackConfig);
}
