import { Type, type Static } from '@sinclair/typebox';

/**
 * The shape of one stack: what `startStack` brings up. Defaults follow the 2011 design
 * scaled down to a 2-core machine (shared/FACTS.md: stateless app tier, Postgres shards
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
    /** Stateless Fastify app containers behind nginx. */
    appInstances: Type.Integer({ minimum: 1, maximum: 32, default: 2 }),
    /** Physical Postgres hosts, each with its own pgbouncer. */
    physicalShards: Type.Integer({ minimum: 1, maximum: 16, default: 2 }),
    /** Logical shards (schemas) spread over the physical hosts. */
    logicalShards: Type.Integer({ minimum: 1, maximum: 8192, default: 16 }),
    cache: Type.Union([Type.Literal('memcached'), Type.Literal('off')], { default: 'memcached' }),
    /** pgbouncer default_pool_size: server connections per database/user pair. */
    pgbouncerPoolSize: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
    /** pg.Pool size per physical shard inside each app instance. */
    appPgPoolMax: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    memcachedMemoryMb: Type.Integer({ minimum: 16, maximum: 65536, default: 128 }),
    cpus: Type.Object(
      {
        app: CpuQuota('quota per app container'),
        postgres: CpuQuota('quota per Postgres container'),
        pgbouncer: CpuQuota('quota per pgbouncer container'),
        redis: CpuQuota('quota of the Redis container'),
        memcached: CpuQuota('quota of the memcached container'),
        nginx: CpuQuota('quota of the nginx container'),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Seconds to wait for each service to become ready. */
    startupTimeoutS: Type.Integer({ minimum: 5, maximum: 1800, default: 120 }),
  },
  { additionalProperties: false },
);
export type StackConfig = Static<typeof StackConfigSchema>;
