import { logicalShardForUsername, physicalShardOf, routeId, type ShardMap } from '../../system/data/shard-map.ts';
import type { FanOutMode } from '../../system/stack-switches.ts';
import { addUnits, type UnitCounts } from './work-units.ts';

/**
 * Unit counts of the write endpoints, sign-ups and the geo search, read off the route code (system/app/routes/):
 * what each request sends to Redis, Postgres, memcached and the object store. Unlike feed and
 * media reads, nothing in them depends on cache state, so they are fixed per request but for the
 * shards they hit and, for uploads, the uploader's followers. Redis command counts of a BullMQ
 * enqueue (a Lua script and the commands it runs: Redis counts each) are estimates, marked below;
 * these classes are under 1% of every shipped plan, so such estimates move predictions little.
 */
export interface WriteWork {
  units: UnitCounts;
  /** Physical shards the request sends statements to. */
  shards: number[];
  queriesPerShard: number;
  rowsPerShard: number;
  /** Feed lists the fan-out job writes (followers + the owner), and queue jobs started. */
  fanOutWrites: number;
  jobs: number;
}

export interface WriteContext {
  shardMap: ShardMap;
  path: string;
  body: string | undefined;
  /** Follower count by user ID, from the dataset. */
  followers: ReadonlyMap<string, number>;
  cacheOn: boolean;
  fanOut: FanOutMode;
}

/** Estimate: a BullMQ `add` runs one Lua script that issues about 4 commands (Redis counts script calls). */
const REDIS_COMMANDS_PER_ENQUEUE = 5;
/** Estimate: a worker takes, completes and records a job in about 6 commands. */
const REDIS_COMMANDS_PER_JOB = 6;
const FAN_OUT_BATCH = 1000;
/** GET /media/nearby's default `limit` (system/app/routes/media-nearby.ts). */
const NEARBY_DEFAULT_LIMIT = 20;

const shardOf = (ctx: WriteContext, id: string) => routeId(ctx.shardMap, id).physicalShard;
const bodyField = (ctx: WriteContext, field: string): string | undefined => {
  if (!ctx.body) return undefined;
  const value = (JSON.parse(ctx.body) as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
};

const queryField = (path: string, field: string): string | null => new URLSearchParams(path.slice(path.indexOf('?') + 1)).get(field);

/** The work of one write request (media.like, follow.create, upload.start with its put and complete, user.create) or geo search (media.nearby). */
export function writeTemplate(endpoint: string, ctx: WriteContext): WriteWork {
  const none: WriteWork = { units: {}, shards: [], queriesPerShard: 0, rowsPerShard: 0, fanOutWrites: 0, jobs: 0 };
  const segments = ctx.path.split('/');
  switch (endpoint) {
    case 'media.like': {
      // Session GET; userExists on the liker's shard; one INSERT ... ON CONFLICT with the count
      // update on the media's shard; memcached delete; activity LPUSH + LTRIM and a push job.
      const userId = bodyField(ctx, 'userId') ?? segments[2]!;
      const shards = [...new Set([shardOf(ctx, userId), shardOf(ctx, segments[2]!)])];
      return {
        units: { redisCommand: 1 + 2 + REDIS_COMMANDS_PER_ENQUEUE, pgQuery: 2, dbRow: 2, memcachedOp: ctx.cacheOn ? 1 : 0 },
        shards,
        queriesPerShard: 2 / shards.length,
        rowsPerShard: 2 / shards.length,
        fanOutWrites: 0,
        jobs: 1,
      };
    }
    case 'follow.create': {
      // Session GET; two userExists; the following and followers rows on both users' shards;
      // follower counter INCR and activity LPUSH + LTRIM in one pipeline.
      const followeeId = bodyField(ctx, 'followeeId') ?? segments[2]!;
      const shards = [...new Set([shardOf(ctx, segments[2]!), shardOf(ctx, followeeId)])];
      return { units: { redisCommand: 1 + 3, pgQuery: 4, dbRow: 2 }, shards, queriesPerShard: 4 / shards.length, rowsPerShard: 2 / shards.length, fanOutWrites: 0, jobs: 0 };
    }
    case 'upload.start': {
      // The flow: start (session GET, userExists, presign: app CPU only), PUT of the image to
      // the object store, complete (session GET, HEAD on the object, INSERT media, HSET of the
      // media -> owner map, enqueue the fan-out job). Counted as one request of the class.
      const userId = segments[2]!;
      const shard = shardOf(ctx, userId);
      const followers = ctx.followers.get(userId) ?? 0;
      const writes = followers + 1;
      const batches = Math.max(1, Math.ceil(followers / FAN_OUT_BATCH));
      const queued = ctx.fanOut === 'queue';
      const fanOut: UnitCounts = { redisCommand: 2 * writes, pgQuery: batches };
      const units = addUnits(
        { request: 2, redisCommand: 2 + 1 + (queued ? REDIS_COMMANDS_PER_ENQUEUE : 0), pgQuery: 2, dbRow: 2, objectStoreCall: 2 },
        queued ? {} : fanOut,
      );
      return { units, shards: [shard], queriesPerShard: 2 + (queued ? 0 : batches), rowsPerShard: 2, fanOutWrites: writes, jobs: queued ? 1 : 0 };
    }
    case 'user.create': {
      const username = bodyField(ctx, 'username') ?? '';
      const shard = physicalShardOf(ctx.shardMap, logicalShardForUsername(username, ctx.shardMap.logicalShards));
      return { units: { pgQuery: 1, dbRow: 1 }, shards: [shard], queriesPerShard: 1, rowsPerShard: 1, fanOutWrites: 0, jobs: 0 };
    }
    case 'media.nearby': {
      // No owner routes a location: one statement to every physical shard, all in parallel, the
      // request waits for the slowest (system/data/media-nearby.ts). Each host's statement scans
      // the location index of every schema it holds and returns its nearest `limit` rows.
      // Estimates, marked: an index probe per schema costs Postgres about what a row read does
      // (counted as a row on the shard, not on the app), and each shard returns the full limit
      // (a populated area; sparse areas return fewer). The parallel visits are modelled as
      // sequential (build-stack-model.ts): on a shared 2-core host they cannot overlap much;
      // on dedicated hosts this over-states the wait by up to (shards - 1) statement times.
      const limit = Number(queryField(ctx.path, 'limit') ?? NEARBY_DEFAULT_LIMIT) || NEARBY_DEFAULT_LIMIT;
      const hosts = ctx.shardMap.physicalShards;
      const shards = Array.from({ length: hosts }, (_, s) => s);
      const schemasPerHost = ctx.shardMap.logicalShards / hosts;
      return {
        units: { pgQuery: hosts, dbRow: limit * hosts },
        shards,
        queriesPerShard: 1,
        rowsPerShard: limit + schemasPerHost,
        fanOutWrites: 0,
        jobs: 0,
      };
    }
    default:
      return none;
  }
}

/** Redis commands a worker spends per job beyond the job's own writes (take, complete). */
export const WORKER_REDIS_COMMANDS_PER_JOB = REDIS_COMMANDS_PER_JOB;
