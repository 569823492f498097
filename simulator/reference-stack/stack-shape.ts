import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from '../../lib/validate.ts';
import { CacheModeSchema, FanOutModeSchema, FeedReadDelayMsSchema, LogicalShardsSchema } from '../../system/stack-switches.ts';

/**
 * What the model needs of a stack configuration (containers/stack-config.ts StackConfig, which
 * the simulator layer cannot import): tier instance counts, pools, the cache and CPU quotas.
 * Reports store each configuration's full resolved stack, so every field is required here and
 * other fields (catalog, timeouts) are ignored: a StackConfig is a ReferenceStackShape.
 */
const Quota = Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'CPU quota of each container of the kind (cores); absent = none.' }));

export const ReferenceStackShapeSchema = Type.Object(
  {
    appInstances: Type.Integer({ minimum: 1 }),
    physicalShards: Type.Integer({ minimum: 1 }),
    logicalShards: LogicalShardsSchema,
    cache: CacheModeSchema,
    memcachedInstances: Type.Integer({ minimum: 1 }),
    memcachedMemoryMb: Type.Integer({ minimum: 1 }),
    pgbouncerPoolSize: Type.Integer({ minimum: 1 }),
    appPgPoolMax: Type.Integer({ minimum: 1 }),
    workers: Type.Integer({ minimum: 0 }),
    fanOut: FanOutModeSchema,
    replicas: Type.Integer({ minimum: 0 }),
    readFromReplica: Type.Boolean(),
    injectFeedReadDelayMs: FeedReadDelayMsSchema,
    cpus: Type.Object(
      { app: Quota, postgres: Quota, pgbouncer: Quota, redis: Quota, memcached: Quota, nginx: Quota },
      { additionalProperties: true, default: {} },
    ),
  },
  { additionalProperties: true },
);
export type ReferenceStackShape = Static<typeof ReferenceStackShapeSchema>;

/**
 * A stack configuration as the model reads it (validated, frozen); throws CFG_ERR_INVALID naming
 * each missing or broken field. `input` is a resolved StackConfig (report.configurations[].stack).
 */
export function stackShapeOf(input: unknown, what = 'stack configuration'): Readonly<ReferenceStackShape> {
  return validateConfig(ReferenceStackShapeSchema, input, what);
}

/** Short description of the shape's tier counts, e.g. "2 app, 4 shards, memcached x1 128 MB". */
export function describeShape(shape: ReferenceStackShape): string {
  const cache = shape.cache === 'memcached' ? `memcached x${shape.memcachedInstances} ${shape.memcachedMemoryMb} MB` : 'no cache';
  return `${shape.appInstances} app, ${shape.physicalShards} shard${shape.physicalShards === 1 ? '' : 's'}, ${cache}`;
}
