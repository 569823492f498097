import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from '../../lib/logger.ts';
import type { AuditedWrites, WriteAudit } from '../../lib/result-schema.ts';
import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';
import type { AcknowledgedWrite } from '../../scenarios/engines/write-log.ts';
import { schemaName } from '../../system/data/ids.ts';
import { type ShardMap, routeId } from '../../system/data/shard-map.ts';
import { celebrityMediaKey, feedKey } from '../../system/feed/feed-keys.ts';
import { createJobQueues } from '../../system/jobs/queues.ts';
import { distinctWrites, tally, writeKey } from './audit-counts.ts';

/** The live stack the audit reads, as the harness reaches it. */
export interface AuditTargets {
  /** Each physical shard's pgbouncer (after a failover it points at the promoted replica). */
  shards: readonly ShardEndpoint[];
  shardMap: ShardMap;
  redisUrl: string;
  /** The feed cap (LTRIM): a media pushed under more than this many newer ones was trimmed, not lost. */
  feedMaxLength: number;
}

export interface AuditOptions {
  log: Logger;
  /** Types to report even when nothing of them was acknowledged (the plan's write types). */
  types?: readonly string[];
  /** Longest wait for the fan-out queue to drain before the feeds are read. Default 60 s (a crashed worker's job comes back after its lock expires). */
  drainTimeoutMs?: number;
}

/** IDs per query (one array parameter per statement). */
const CHUNK = 5000;
/** Redis commands per pipeline. */
const PIPELINE = 1000;

/**
 * The acknowledged-writes audit: every write the service acknowledged during the run (the
 * open-loop engine's write log) read back where it must be, after the fan-out queue drained:
 *
 * - user.create: the users row, by ID (duplicated: its username on more than one row);
 * - follow.create: both halves, `following` on the follower's shard and `followers` on the
 *   followee's (they share no transaction);
 * - media.like: the likes row on the media's shard;
 * - upload.complete: the media row on the owner's shard;
 * - feed.fan-out: each acknowledged media in the owner's feed and in the feed of every follower
 *   who followed before the media was written, exactly once (a big account merged at read time:
 *   in its `celebrity-media:` list instead). A media pushed under feedMaxLength newer entries was
 *   trimmed by the cap and counts as present. Any feed holding it twice counts as duplicated.
 *
 * Reads go through each shard's pgbouncer with the shard map, one statement per schema and type.
 */
export async function auditWrites(writes: readonly AcknowledgedWrite[], targets: AuditTargets, options: AuditOptions): Promise<WriteAudit> {
  const started = performance.now();
  const notes: string[] = [];
  const distinct = distinctWrites(writes);
  const uploads = distinct.get('upload.complete') ?? [];
  const redis = new Redis(targets.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  const pools = targets.shards.map((s) => new pg.Pool({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, max: 2, connectionTimeoutMillis: 10_000 }));
  try {
    await redis.connect();
    const queueDrained = uploads.length === 0 ? true : await waitForDrain(redis, options.drainTimeoutMs ?? 60_000);
    if (!queueDrained) notes.push('the fan-out queue had not drained when the feeds were read: feed.fan-out may count entries still on their way as lost');
    const query = async <R extends pg.QueryResultRow>(physicalShard: number, text: string, values: unknown[]) => (await pools[physicalShard]!.query<R>(text, values)).rows;
    const lines: AuditedWrites[] = [];

    const users = distinct.get('user.create') ?? [];
    if (users.length > 0) {
      const found = new Map<string, number>();
      await eachSchema(targets.shardMap, users, (w) => w.ids[0]!, async (shard, schema, part) => {
        const rows = await query<{ id: string; n: number }>(
          shard,
          `SELECT u.id::text AS id, (SELECT count(*)::int FROM ${schema}.users x WHERE x.username = u.username) AS n FROM ${schema}.users u WHERE u.id = ANY($1::bigint[])`,
          [part.map((w) => w.ids[0])],
        );
        for (const r of rows) found.set(r.id, r.n);
      });
      lines.push(tally('user.create', users.map(writeKey), found));
    }

    const follows = distinct.get('follow.create') ?? [];
    if (follows.length > 0) {
      const halves = await Promise.all(
        [
          { table: 'following', route: 0 },
          { table: 'followers', route: 1 },
        ].map(async ({ table, route }) => {
          const found = new Map<string, number>();
          await eachSchema(targets.shardMap, follows, (w) => w.ids[route]!, async (shard, schema, part) => {
            const rows = await query<{ a: string; b: string; n: number }>(
              shard,
              `SELECT follower_id::text AS a, followee_id::text AS b, count(*)::int AS n FROM ${schema}.${table}
               WHERE (follower_id, followee_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[])) GROUP BY 1, 2`,
              [part.map((w) => w.ids[0]), part.map((w) => w.ids[1])],
            );
            for (const r of rows) found.set(`${r.a}:${r.b}`, r.n);
          });
          return found;
        }),
      );
      // A follow is there when both halves are; duplicated when either half is twice.
      const found = new Map(follows.map((w) => [writeKey(w), Math.min(halves[0]!.get(writeKey(w)) ?? 0, halves[1]!.get(writeKey(w)) ?? 0) === 0 ? 0 : Math.max(halves[0]!.get(writeKey(w))!, halves[1]!.get(writeKey(w))!)]));
      lines.push(tally('follow.create', follows.map(writeKey), found));
    }

    const likes = distinct.get('media.like') ?? [];
    if (likes.length > 0) {
      const found = new Map<string, number>();
      await eachSchema(targets.shardMap, likes, (w) => w.ids[0]!, async (shard, schema, part) => {
        const rows = await query<{ a: string; b: string; n: number }>(
          shard,
          `SELECT media_id::text AS a, user_id::text AS b, count(*)::int AS n FROM ${schema}.likes
           WHERE (media_id, user_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[])) GROUP BY 1, 2`,
          [part.map((w) => w.ids[0]), part.map((w) => w.ids[1])],
        );
        for (const r of rows) found.set(`${r.a}:${r.b}`, r.n);
      });
      lines.push(tally('media.like', likes.map(writeKey), found));
    }

    if (uploads.length > 0) {
      const found = new Map<string, number>();
      const createdAt = new Map<string, Date>();
      await eachSchema(targets.shardMap, uploads, (w) => w.ids[0]!, async (shard, schema, part) => {
        const rows = await query<{ id: string; owner: string; n: number; created_at: Date }>(
          shard,
          `SELECT m.id::text AS id, m.owner_id::text AS owner, m.created_at, (SELECT count(*)::int FROM ${schema}.media x WHERE x.object_key = m.object_key) AS n
           FROM ${schema}.media m WHERE m.id = ANY($1::bigint[])`,
          [part.map((w) => w.ids[0])],
        );
        for (const r of rows) {
          found.set(`${r.id}:${r.owner}`, r.n);
          createdAt.set(r.id, r.created_at);
        }
      });
      lines.push(tally('upload.complete', uploads.map(writeKey), found));
      lines.push(await auditFanOut(uploads.filter((w) => createdAt.has(w.ids[0]!)), createdAt, targets, query, redis, notes));
    }
    for (const type of options.types ?? []) if (!lines.some((l) => l.type === type)) lines.push({ type, acknowledged: 0, present: 0, lost: 0, duplicated: 0 });
    return { writes: lines, queueDrained, elapsedMs: Math.round(performance.now() - started), notes };
  } finally {
    redis.disconnect();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }
}

/** Runs `read` once per (physical shard, schema) with the writes routed there by `idOf`, CHUNK at a time. */
async function eachSchema(
  map: ShardMap,
  writes: readonly AcknowledgedWrite[],
  idOf: (w: AcknowledgedWrite) => string,
  read: (physicalShard: number, schema: string, part: AcknowledgedWrite[]) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, { shard: number; schema: string; writes: AcknowledgedWrite[] }>();
  for (const w of writes) {
    const { logicalShard, physicalShard } = routeId(map, idOf(w));
    const key = `${physicalShard}/${logicalShard}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { shard: physicalShard, schema: schemaName(logicalShard), writes: [] }));
    group.writes.push(w);
  }
  for (const group of groups.values()) {
    for (let i = 0; i < group.writes.length; i += CHUNK) await read(group.shard, group.schema, group.writes.slice(i, i + CHUNK));
  }
}

/** Polls the fan-out queue until nothing waits, runs or is delayed; false when it did not drain in time. */
async function waitForDrain(redis: Redis, timeoutMs: number): Promise<boolean> {
  const queues = createJobQueues(redis, { attempts: 1, log: { warn: () => undefined } });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const depth = (await queues.depth(5000))['fan-out'];
      if (depth.waiting + depth.active + depth.delayed === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await queues.close();
  }
}

type Query = <R extends pg.QueryResultRow>(physicalShard: number, text: string, values: unknown[]) => Promise<R[]>;

/** feed.fan-out: each acknowledged media in every feed it is owed to, exactly once. */
async function auditFanOut(uploads: readonly AcknowledgedWrite[], createdAt: ReadonlyMap<string, Date>, targets: AuditTargets, query: Query, redis: Redis, notes: string[]): Promise<AuditedWrites> {
  // Per media: the keys it is owed in, and every key it may be in (followers who came later may have it too).
  const owed: Array<{ media: string; key: string }> = [];
  const mayHave: Array<{ media: string; key: string }> = [];
  for (const w of uploads) {
    const [media, owner] = w.ids as [string, string];
    const route = routeId(targets.shardMap, owner);
    const followers = await query<{ id: string; owed: boolean }>(
      route.physicalShard,
      `SELECT follower_id::text AS id, created_at < $2 AS owed FROM ${schemaName(route.logicalShard)}.followers WHERE followee_id = $1`,
      [owner, createdAt.get(media)],
    );
    const merged = ((await redis.call('LPOS', celebrityMediaKey(owner), media, 'COUNT', '0')) as unknown[]).length > 0;
    if (merged) {
      owed.push({ media, key: celebrityMediaKey(owner) }, { media, key: feedKey(owner) });
      continue;
    }
    owed.push({ media, key: feedKey(owner) });
    for (const f of followers) (f.owed ? owed : mayHave).push({ media, key: feedKey(f.id) });
  }
  const all = [...owed, ...mayHave];
  const counts = await countIn(redis, all);
  const found = new Map<string, number>();
  all.forEach((entry, i) => found.set(`${entry.media}@${entry.key}`, counts[i]!));

  // An owed entry that is missing from a full list whose oldest entry is newer was trimmed by the cap.
  const missing = owed.filter((e) => (found.get(`${e.media}@${e.key}`) ?? 0) === 0 && e.key.startsWith('feed:'));
  let trimmed = 0;
  for (let i = 0; i < missing.length; i += PIPELINE) {
    const pipeline = redis.pipeline();
    const part = missing.slice(i, i + PIPELINE);
    for (const e of part) pipeline.llen(e.key).lindex(e.key, -1);
    const results = (await pipeline.exec()) ?? [];
    part.forEach((e, j) => {
      const length = Number(results[2 * j]?.[1] ?? 0);
      const oldest = results[2 * j + 1]?.[1] as string | null;
      if (length >= targets.feedMaxLength && oldest !== null && BigInt(oldest) > BigInt(e.media)) {
        found.set(`${e.media}@${e.key}`, 1);
        trimmed++;
      }
    });
  }
  if (trimmed > 0) notes.push(`${trimmed} feed entries were trimmed off full feeds by the cap (${targets.feedMaxLength}); counted as present`);
  const extraDuplicates = mayHave.map((e) => `${e.media}@${e.key}`).filter((k) => (found.get(k) ?? 0) > 1);
  return tally('feed.fan-out', owed.map((e) => `${e.media}@${e.key}`), found, extraDuplicates);
}

/** How many times each media is in each list (LPOS ... COUNT 0), pipelined. */
async function countIn(redis: Redis, entries: ReadonlyArray<{ media: string; key: string }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < entries.length; i += PIPELINE) {
    const pipeline = redis.pipeline();
    for (const e of entries.slice(i, i + PIPELINE)) pipeline.call('LPOS', e.key, e.media, 'COUNT', '0');
    const results = (await pipeline.exec()) ?? [];
    for (const [err, positions] of results) {
      if (err) throw err;
      out.push((positions as unknown[] | null)?.length ?? 0);
    }
  }
  return out;
}
