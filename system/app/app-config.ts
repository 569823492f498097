import { Type, type Static } from '@sinclair/typebox';
import { INSTAGRAM_EPOCH_MS } from '../data/ids.ts';

/**
 * Configuration of one app instance. The harness passes it as JSON in the
 * FEEDSCALE_APP_CONFIG environment variable; `loadAppConfig` validates it once and freezes it.
 */
export const PhysicalShardSchema = Type.Object(
  {
    /** Host of the shard's pgbouncer (the app never talks to Postgres directly). */
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 6432 }),
    database: Type.String({ default: 'feedscale' }),
    user: Type.String({ default: 'feedscale' }),
    password: Type.String({ default: 'feedscale' }),
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
    /** Logical shards (Postgres schemas), spread over `shards` by the shard map. */
    logicalShards: Type.Integer({ minimum: 1, maximum: 8192, default: 16 }),
    idEpochMs: Type.Integer({ default: INSTAGRAM_EPOCH_MS }),
    /** One entry per physical Postgres host, in shard-map order. */
    shards: Type.Array(PhysicalShardSchema, { minItems: 1 }),
    /** pg.Pool size per physical shard in this instance. */
    pgPoolMax: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    redisUrl: Type.String({ default: 'redis://redis:6379' }),
    cache: Type.Object(
      {
        mode: Type.Union([Type.Literal('memcached'), Type.Literal('off')], { default: 'memcached' }),
        /** host:port of each memcached instance. */
        servers: Type.Array(Type.String(), { default: ['memcached:11211'] }),
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
        maxLength: Type.Integer({ minimum: 1, default: 500 }),
        pageSizeDefault: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
        pageSizeMax: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type AppConfig = Static<typeof AppConfigSchema>;
