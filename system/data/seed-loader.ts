import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { FeedscaleError } from '../../lib/errors.ts';
import { APP_DEFAULTS } from '../app/app-config.ts';
import type { Dataset, DatasetMedia } from '../../lib/dataset-types.ts';
import { sessionTokenFor } from '../../lib/session-tokens.ts';
import { celebrityMediaKey, feedKey, followerCountKey, mediaOwnerBucketKey, sessionKey } from '../feed/feed-keys.ts';
import { mergesAtRead } from '../feed/fan-out.ts';
import { mergeNewestFirst } from '../feed/feed-merge.ts';
import { schemaName, shardOfId } from './ids.ts';
import { logicalShardsOn, type ShardMap } from './shard-map.ts';

/** Where a dataset goes. Schemas must exist already (run `migrateShards` first). */
export interface SeedTargets {
  /** One pool per physical shard, in shard-map order; each COPY borrows one connection. */
  shards: readonly pg.Pool[];
  redis: Redis;
  shardMap: ShardMap;
}

export type SeedPhase = 'postgres' | 'feeds';

export interface SeedOptions {
  /** Entries kept per feed list; use the app's `feed.maxLength` so seeded feeds look like live ones. */
  feedMaxLength: number;
  /** Users whose feeds go in one Redis pipeline. */
  redisBatchUsers?: number;
  /** Rows per chunk written to a COPY stream. */
  copyChunkRows?: number;
  /** TTL of the seeded sessions; use the app's `sessions.ttlS`. Default 86,400 s. */
  sessionTtlS?: number;
  /**
   * The app's `fanOut.readTimeMergeAboveFollowers`: when set, the media of accounts above it go to
   * their `celebrity-media:` lists instead of their followers' feeds, as the live path does.
   */
  readTimeMergeAboveFollowers?: number | null;
  /** The app's `mediaOwnerMap.bucketSize`. Default 1000. */
  mediaOwnerBucketSize?: number;
  /** The app's `fanOut.celebrityMediaMaxLength`. Default 100. */
  celebrityMediaMaxLength?: number;
  /** Called as work completes: rows copied in 'postgres', users' feeds written in 'feeds' (sessions are quick and not reported). */
  onProgress?: (phase: SeedPhase, done: number, total: number) => void;
}

export interface SeedResult {
  rows: { users: number; following: number; followers: number; media: number };
  /** Feed lists written (users with at least one entry). */
  feeds: number;
  feedEntries: number;
  /** Session keys written (one per user, token from scenarios/workload/session-tokens.ts). */
  sessions: number;
  /** Accounts whose media are merged at read time instead of fanned out. */
  mergedAccounts: number;
  /** Wall time of each load; they run at the same time, so elapsedMs is about the larger. */
  phasesMs: { postgres: number; redis: number };
  elapsedMs: number;
}

/** The rows one logical shard receives, already in COPY text format (one line per row). */
export interface ShardRows {
  users: string[];
  following: string[];
  followers: string[];
  media: string[];
}

const COPY_COLUMNS: Record<keyof ShardRows, string> = {
  users: 'id, username, created_at',
  following: 'follower_id, followee_id, created_at',
  followers: 'followee_id, follower_id, created_at',
  media: 'id, owner_id, object_key, caption, created_at, lat, lng',
};

/**
 * Writes a generated dataset into Postgres (COPY, all physical shards in parallel) and the
 * users' feeds into Redis (pipelines). Deterministic: the same dataset gives the same rows and
 * the same feed lists. Re-running on the same dataset fails on primary keys by design; load
 * into freshly migrated shards.
 */
export async function loadDataset(targets: SeedTargets, dataset: Dataset, options: SeedOptions): Promise<SeedResult> {
  const startedMs = performance.now();
  checkTargets(targets, dataset);
  // Postgres and Redis share nothing here, so both loads run at once; the slower one sets the time.
  const [postgres, redis] = await Promise.all([loadPostgresRows(targets, dataset, options), loadRedisState(targets.redis, dataset, options)]);
  return {
    rows: postgres.rows,
    feeds: redis.feeds,
    feedEntries: redis.feedEntries,
    sessions: redis.sessions,
    mergedAccounts: redis.mergedAccounts,
    phasesMs: { postgres: postgres.elapsedMs, redis: redis.elapsedMs },
    elapsedMs: performance.now() - startedMs,
  };
}

function checkTargets(targets: Pick<SeedTargets, 'shards' | 'shardMap'>, dataset: Dataset): void {
  const { shardMap } = targets;
  if (dataset.logicalShards !== shardMap.logicalShards) {
    throw new FeedscaleError(
      'CFG_ERR_INVALID',
      `dataset was generated for ${dataset.logicalShards} logical shards but the shard map has ${shardMap.logicalShards}`,
    );
  }
  if (targets.shards.length !== shardMap.physicalShards) {
    throw new FeedscaleError('CFG_ERR_INVALID', `seed targets have ${targets.shards.length} pools for ${shardMap.physicalShards} physical shards`);
  }
}

function seedFailed(err: unknown): FeedscaleError {
  if (err instanceof FeedscaleError) return err;
  return new FeedscaleError('RUN_ERR_SEED_FAILED', `loading the dataset failed: ${(err as Error).message}`, { cause: err });
}

/** The Postgres half of loadDataset: COPY into every physical shard in parallel. */
export async function loadPostgresRows(
  targets: Pick<SeedTargets, 'shards' | 'shardMap'>,
  dataset: Dataset,
  options: Pick<SeedOptions, 'copyChunkRows' | 'onProgress'>,
): Promise<{ rows: SeedResult['rows']; elapsedMs: number }> {
  const startedMs = performance.now();
  const { shardMap } = targets;
  checkTargets(targets, dataset);
  try {
    const totalRows = dataset.users.length + 2 * dataset.follows.length + dataset.media.length;
    let copiedRows = 0;
    const report = (n: number): void => {
      copiedRows += n;
      options.onProgress?.('postgres', copiedRows, totalRows);
    };
    // Building 9M COPY lines takes seconds of CPU; in slices, so other work on this thread keeps flowing.
    const byShard = await partitionDatasetInSlices(dataset);
    await Promise.all(
      targets.shards.map((pool, physicalShard) =>
        copyPhysicalShard(pool, logicalShardsOn(shardMap, physicalShard), byShard, options.copyChunkRows ?? 5000, report),
      ),
    );
    return {
      rows: { users: dataset.users.length, following: dataset.follows.length, followers: dataset.follows.length, media: dataset.media.length },
      elapsedMs: performance.now() - startedMs,
    };
  } catch (err) {
    throw seedFailed(err);
  }
}

/** The Redis half of loadDataset: feeds (and celebrity lists), sessions, follower counters, the media -> owner map. */
export async function loadRedisState(
  redis: Redis,
  dataset: Dataset,
  options: SeedOptions,
): Promise<{
  feeds: number;
  feedEntries: number;
  sessions: number;
  mergedAccounts: number;
  /** Wall time of each step, in order. */
  stepsMs: { feeds: number; sessionsAndCounters: number; mediaOwnerMap: number };
  elapsedMs: number;
}> {
  const startedMs = performance.now();
  try {
    const followerCounts = countFollowers(dataset);
    const threshold = options.readTimeMergeAboveFollowers ?? null;
    const mergedOwners = new Set<bigint>();
    for (const [userId, count] of followerCounts) if (mergesAtRead(count, threshold)) mergedOwners.add(userId);
    const t0 = performance.now();
    const feedStats = await writeFeeds(redis, dataset, options, mergedOwners);
    const t1 = performance.now();
    const sessions = await writeSessionsAndCounters(redis, dataset, followerCounts, options);
    const t2 = performance.now();
    await writeMediaOwnerMap(redis, dataset, options.mediaOwnerBucketSize ?? APP_DEFAULTS.mediaOwnerBucketSize);
    const t3 = performance.now();
    return {
      ...feedStats,
      sessions,
      mergedAccounts: mergedOwners.size,
      stepsMs: { feeds: t1 - t0, sessionsAndCounters: t2 - t1, mediaOwnerMap: t3 - t2 },
      elapsedMs: performance.now() - startedMs,
    };
  } catch (err) {
    throw seedFailed(err);
  }
}

/**
 * Splits a dataset into COPY lines per logical shard, routing every row by the ID that owns it:
 * users and media by their own ID, following by the follower, followers by the followee.
 */
export function partitionDataset(dataset: Dataset): Map<number, ShardRows> {
  const partition = createPartition();
  for (const step of partitionSteps(dataset, partition)) void step;
  return partition.rows;
}

/** The same as partitionDataset, yielding to the event loop between slices of rows. */
export async function partitionDatasetInSlices(dataset: Dataset): Promise<Map<number, ShardRows>> {
  const partition = createPartition();
  for (const step of partitionSteps(dataset, partition)) if (step % PARTITION_SLICE_ROWS === 0) await new Promise((r) => setImmediate(r));
  return partition.rows;
}

const PARTITION_SLICE_ROWS = 50_000;

function createPartition() {
  const rows = new Map<number, ShardRows>();
  const rowsOf = (id: bigint): ShardRows => {
    const shard = shardOfId(id);
    let entry = rows.get(shard);
    if (!entry) rows.set(shard, (entry = { users: [], following: [], followers: [], media: [] }));
    return entry;
  };
  return { rows, rowsOf };
}

/** Adds every row of the dataset to its shard, yielding a running count after each. */
function* partitionSteps(dataset: Dataset, { rowsOf }: ReturnType<typeof createPartition>): Generator<number> {
  let n = 0;
  for (const u of dataset.users) {
    rowsOf(u.id).users.push(copyLine([u.id, u.username, isoTime(u.createdAtMs)]));
    yield ++n;
  }
  for (const f of dataset.follows) {
    const at = isoTime(f.createdAtMs);
    rowsOf(f.followerId).following.push(copyLine([f.followerId, f.followeeId, at]));
    rowsOf(f.followeeId).followers.push(copyLine([f.followeeId, f.followerId, at]));
    yield ++n;
  }
  for (const m of dataset.media) {
    const location = m.location ?? null;
    rowsOf(m.id).media.push(copyLine([m.id, m.ownerId, m.objectKey, m.caption, isoTime(m.createdAtMs), location && location.lat, location && location.lng]));
    yield ++n;
  }
}

/** Escapes one value for COPY's text format (backslash, tab, newline, carriage return). */
export function escapeCopyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** One COPY text line: null is `\N`; numbers print in JavaScript's shortest round-trip form, so a float8 column gets the exact double back. */
function copyLine(values: ReadonlyArray<string | bigint | number | null>): string {
  return `${values.map(copyValue).join('\t')}\n`;
}

function copyValue(value: string | bigint | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') return escapeCopyText(value);
  return value.toString();
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

async function copyPhysicalShard(
  pool: pg.Pool,
  logicalShards: readonly number[],
  byShard: Map<number, ShardRows>,
  chunkRows: number,
  report: (rows: number) => void,
): Promise<void> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: losing its server (a teardown mid-seed) would emit
  // an unhandled 'error' and kill the process. The COPY or ANALYZE under way rejects with it anyway.
  let lost: Error | undefined;
  const onLost = (err: Error): void => {
    lost = err;
  };
  client.on('error', onLost);
  try {
    for (const logical of logicalShards) {
      const rows = byShard.get(logical);
      if (!rows) continue;
      const schema = schemaName(logical);
      for (const table of Object.keys(COPY_COLUMNS) as (keyof ShardRows)[]) {
        const lines = rows[table];
        if (lines.length === 0) continue;
        const copy = client.query(copyStreams.from(`COPY ${schema}.${table} (${COPY_COLUMNS[table]}) FROM STDIN`));
        await pipeline(Readable.from(chunks(lines, chunkRows, report)), copy);
      }
      // Fresh statistics so the first benchmark queries get the same plans as later ones.
      await client.query(`ANALYZE ${schema}.users, ${schema}.following, ${schema}.followers, ${schema}.media`);
    }
  } finally {
    client.off('error', onLost);
    client.release(lost);
  }
}

function* chunks(lines: readonly string[], chunkRows: number, report: (rows: number) => void): Generator<string> {
  for (let i = 0; i < lines.length; i += chunkRows) {
    const slice = lines.slice(i, i + chunkRows);
    yield slice.join('');
    report(slice.length);
  }
}

/** Newest first: later createdAtMs, then the larger ID (IDs grow with time within a shard). */
export function newerMedia(a: DatasetMedia, b: DatasetMedia): boolean {
  return a.createdAtMs !== b.createdAtMs ? a.createdAtMs > b.createdAtMs : a.id > b.id;
}

/** Followers per followed user. */
export function countFollowers(dataset: Dataset): Map<bigint, number> {
  const counts = new Map<bigint, number>();
  for (const f of dataset.follows) counts.set(f.followeeId, (counts.get(f.followeeId) ?? 0) + 1);
  return counts;
}

/**
 * Every user's feed as the service would hold it: the newest media of the users they follow
 * and their own (the upload path pushes to the owner's feed too), newest first, capped at
 * `maxLength`. Media of `mergedOwners` reach only their owner's feed (read-time merge adds them
 * for followers). Yields users in dataset order; users with an empty feed are yielded too.
 */
export function* buildFeeds(
  dataset: Dataset,
  maxLength: number,
  mergedOwners: ReadonlySet<bigint> = new Set(),
): Generator<{ userId: bigint; mediaIds: bigint[] }> {
  const mediaByOwner = new Map<bigint, DatasetMedia[]>();
  for (const m of dataset.media) {
    let list = mediaByOwner.get(m.ownerId);
    if (!list) mediaByOwner.set(m.ownerId, (list = []));
    list.push(m);
  }
  for (const list of mediaByOwner.values()) {
    list.sort((a, b) => (newerMedia(a, b) ? -1 : newerMedia(b, a) ? 1 : 0));
    // Only the newest maxLength of any one owner can reach a feed.
    if (list.length > maxLength) list.length = maxLength;
  }
  const followeesOf = new Map<bigint, bigint[]>();
  for (const f of dataset.follows) {
    let list = followeesOf.get(f.followerId);
    if (!list) followeesOf.set(f.followerId, (list = []));
    list.push(f.followeeId);
  }
  const none: DatasetMedia[] = [];
  for (const user of dataset.users) {
    const owners = new Set<bigint>([user.id, ...(followeesOf.get(user.id) ?? []).filter((owner) => !mergedOwners.has(owner))]);
    const sources = [...owners].map((owner) => mediaByOwner.get(owner) ?? none);
    const merged = mergeNewestFirst(sources, maxLength, newerMedia);
    yield { userId: user.id, mediaIds: merged.map((m) => m.id) };
  }
}

/** The newest `maxLength` media of each merged owner, newest first (their `celebrity-media:` lists). */
export function buildCelebrityMedia(dataset: Dataset, mergedOwners: ReadonlySet<bigint>, maxLength: number): Map<bigint, bigint[]> {
  const byOwner = new Map<bigint, DatasetMedia[]>();
  for (const m of dataset.media) {
    if (!mergedOwners.has(m.ownerId)) continue;
    let list = byOwner.get(m.ownerId);
    if (!list) byOwner.set(m.ownerId, (list = []));
    list.push(m);
  }
  const out = new Map<bigint, bigint[]>();
  for (const [owner, list] of byOwner) {
    list.sort((a, b) => (newerMedia(a, b) ? -1 : newerMedia(b, a) ? 1 : 0));
    out.set(owner, list.slice(0, maxLength).map((m) => m.id));
  }
  return out;
}

/** Runs pipelines of at most `batchSize` queued units, throwing the first command error. */
function createBatcher(redis: Redis, batchSize: number, onFlush: (units: number) => void) {
  let batch = redis.pipeline();
  let inBatch = 0;
  const flush = async (): Promise<void> => {
    if (inBatch === 0) return;
    const results = await batch.exec();
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    onFlush(inBatch);
    batch = redis.pipeline();
    inBatch = 0;
  };
  return {
    get pipeline() {
      return batch;
    },
    /** Marks one unit queued; flushes when the batch is full. */
    async added(): Promise<void> {
      if (++inBatch >= batchSize) await flush();
    },
    flush,
  };
}

/**
 * One session per dataset user (`session:<token>` -> user ID, with TTL; the token is derived
 * from the dataset seed so the population can list it) and the follower counters the fan-out
 * decision reads.
 */
async function writeSessionsAndCounters(redis: Redis, dataset: Dataset, followerCounts: Map<bigint, number>, options: SeedOptions): Promise<number> {
  const ttlS = String(options.sessionTtlS ?? APP_DEFAULTS.sessionTtlS);
  const sessions = new ManyWrites(redis, { script: SET_EX_MANY, arity: 2, trailing: [ttlS] });
  const counters = new ManyWrites(redis, { mset: true, arity: 2 });
  for (const user of dataset.users) {
    await sessions.add(sessionKey(sessionTokenFor(dataset.seed, user.id)), user.id.toString());
    await counters.add(followerCountKey(user.id), String(followerCounts.get(user.id) ?? 0));
  }
  await Promise.all([sessions.flush(), counters.flush()]);
  return dataset.users.length;
}

async function writeMediaOwnerMap(redis: Redis, dataset: Dataset, bucketSize: number): Promise<void> {
  // One HSET per (bucket, media): with 64-bit IDs nearly every bucket holds one media, so
  // grouping first would only cost memory; Redis merges the fields of a bucket either way.
  const writes = new ManyWrites(redis, { script: HSET_MANY, arity: 3 });
  for (const m of dataset.media) await writes.add(mediaOwnerBucketKey(m.id, bucketSize), m.id.toString(), m.ownerId.toString());
  await writes.flush();
}

/** SET key value EX ttl for each pair; the TTL is the last argument. */
const SET_EX_MANY = "local ttl = ARGV[#ARGV] for i = 1, #ARGV - 1, 2 do redis.call('SET', ARGV[i], ARGV[i + 1], 'EX', ttl) end return 1";
/** HSET key field value for each triple. */
const HSET_MANY = "for i = 1, #ARGV, 3 do redis.call('HSET', ARGV[i], ARGV[i + 1], ARGV[i + 2]) end return 1";
const WRITES_PER_CALL = 2000;
const CALLS_IN_FLIGHT = 4;

/**
 * Millions of tiny writes cost the client one command object each; this sends them a couple of
 * thousand at a time through one server-side script call (or one MSET) instead. Seeding only:
 * keys travel as arguments, which is fine on a single Redis, not on a cluster.
 */
class ManyWrites {
  private args: string[] = [];
  private readonly inFlight: Promise<unknown>[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly command: { script: string; arity: number; trailing?: string[] } | { mset: true; arity: number },
  ) {}

  async add(...values: string[]): Promise<void> {
    this.args.push(...values);
    if (this.args.length >= WRITES_PER_CALL * this.command.arity) await this.send();
  }

  async flush(): Promise<void> {
    await this.send();
    await Promise.all(this.inFlight.splice(0));
  }

  private async send(): Promise<void> {
    if (this.args.length === 0) return;
    const args = this.args;
    this.args = [];
    const { command } = this;
    const call: Promise<unknown> = 'mset' in command ? this.redis.mset(...args) : this.redis.eval(command.script, 0, ...args, ...(command.trailing ?? []));
    call.catch(() => undefined); // awaited below or in flush(); this only keeps Node from calling it unhandled meanwhile
    this.inFlight.push(call);
    // A few calls in flight keep Redis busy without holding every batch in memory.
    if (this.inFlight.length >= CALLS_IN_FLIGHT) await this.inFlight.shift();
  }
}

async function writeFeeds(
  redis: Redis,
  dataset: Dataset,
  options: SeedOptions,
  mergedOwners: ReadonlySet<bigint>,
): Promise<{ feeds: number; feedEntries: number }> {
  const total = dataset.users.length;
  let done = 0;
  let feeds = 0;
  let feedEntries = 0;
  const batcher = createBatcher(redis, options.redisBatchUsers ?? 500, (units) => {
    done += units;
    options.onProgress?.('feeds', Math.min(done, total), total);
  });
  for (const { userId, mediaIds } of buildFeeds(dataset, options.feedMaxLength, mergedOwners)) {
    const key = feedKey(userId);
    batcher.pipeline.del(key);
    if (mediaIds.length > 0) {
      batcher.pipeline.rpush(key, ...mediaIds.map((id) => id.toString()));
      feeds++;
      feedEntries += mediaIds.length;
    }
    await batcher.added();
  }
  for (const [owner, mediaIds] of buildCelebrityMedia(dataset, mergedOwners, options.celebrityMediaMaxLength ?? APP_DEFAULTS.celebrityMediaMaxLength)) {
    const key = celebrityMediaKey(owner);
    batcher.pipeline.del(key);
    if (mediaIds.length > 0) batcher.pipeline.rpush(key, ...mediaIds.map((id) => id.toString()));
    await batcher.added();
  }
  await batcher.flush();
  return { feeds, feedEntries };
}
