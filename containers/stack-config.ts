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
    appInstances: Type.Integer({ minimum: 1, maximum: 32, default: 2, description: 'Stateless Fastify app containers behind nginx (2011: 25+ Django servers).' }),
    physicalShards: Type.Integer({ minimum: 1, maximum: 16, default: 2, description: 'Physical Postgres hosts, each behind its own pgbouncer (2011: 12 primaries).' }),
    logicalShards: Type.Integer({
      minimum: 1,
      maximum: 8192,
      default: 16,
      description: 'Logical shards (Postgres schemas) spread over the physical hosts; encoded in every ID (13 bits).',
    }),
    cache: Type.Union([Type.Literal('memcached'), Type.Literal('off')], {
      default: 'memcached',
      description: 'memcached: read-through cache of user and media objects; off: no memcached container, every read goes to Postgres.',
    }),
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
  },
  { additionalProperties: false },
);
export type StackConfig = Static<typeof StackConfigSchema>;
