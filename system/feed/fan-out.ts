import type { Redis } from 'ioredis';
import type { AppConfig } from '../app/app-config.ts';
import { celebrityMediaKey, feedKey, followerCountKey } from './feed-keys.ts';

/**
 * Fan-out on write (docs/facts.md, "Feed"): a new media ID is pushed onto the Redis feed list
 * of every follower of its owner, and of the owner. In 2011 Gearman workers did this in batches
 * of followers; here a BullMQ worker (system/jobs/worker.ts) or, in fanOut.mode 'sync', the
 * upload request itself calls `distributeMedia` with the same plain job.
 */
export interface FanOutJob {
  ownerId: string;
  mediaId: string;
}

export interface FanOutDeps {
  redis: Redis;
  /** One page of the owner's followers in ascending ID order, after `afterId` (null: from the start). */
  listFollowers: (ownerId: string, afterId: string | null, limit: number) => Promise<string[]>;
  /** Told how long each pipelined Redis batch took. */
  onRedisMs?: (durationMs: number) => void;
}

export interface FanOutOptions {
  /** LTRIM cap of each feed list (config feed.maxLength). */
  maxLength: number;
  /** Followers per Redis pipeline and per followers page. */
  batchSize?: number;
}

export interface FanOutResult {
  /** Feed lists pushed to, the owner's included. */
  feedsWritten: number;
  batches: number;
}

export const FAN_OUT_BATCH_DEFAULT = 1000;

export async function fanOutMedia(deps: FanOutDeps, job: FanOutJob, options: FanOutOptions): Promise<FanOutResult> {
  const batchSize = options.batchSize ?? FAN_OUT_BATCH_DEFAULT;
  let feedsWritten = 0;
  let batches = 0;
  const push = async (userIds: readonly string[]): Promise<void> => {
    const pipeline = deps.redis.pipeline();
    for (const userId of userIds) {
      const key = feedKey(userId);
      pipeline.lpush(key, job.mediaId);
      pipeline.ltrim(key, 0, options.maxLength - 1);
    }
    const startedNs = process.hrtime.bigint();
    const results = await pipeline.exec();
    deps.onRedisMs?.(Number(process.hrtime.bigint() - startedNs) / 1e6);
    const failed = results?.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    feedsWritten += userIds.length;
    batches++;
  };

  let after: string | null = null;
  for (let first = true; ; first = false) {
    const page = await deps.listFollowers(job.ownerId, after, batchSize);
    // The owner's own feed rides with the first batch: one round trip fewer per upload.
    if (first) await push([job.ownerId, ...page]);
    else if (page.length > 0) await push(page);
    if (page.length < batchSize) break;
    after = page[page.length - 1] as string;
  }
  return { feedsWritten, batches };
}

export interface DistributeOptions extends FanOutOptions {
  /** Accounts with more followers than this are merged at read time; null fans out everyone. */
  readTimeMergeAboveFollowers: number | null;
  /** LTRIM cap of each `celebrity-media:<ownerId>` list. */
  celebrityMediaMaxLength: number;
}

export interface DistributeResult extends FanOutResult {
  /** 'fan-out': pushed to every follower; 'merge': left for feed reads to merge in. */
  path: 'fan-out' | 'merge';
}

/** The distribution options of a deployment; the app (sync mode) and the workers use the same. */
export function distributeOptionsFor(config: Pick<AppConfig, 'feed' | 'fanOut'>): DistributeOptions {
  return {
    maxLength: config.feed.maxLength,
    batchSize: config.fanOut.batchSize,
    readTimeMergeAboveFollowers: config.fanOut.readTimeMergeAboveFollowers,
    celebrityMediaMaxLength: config.fanOut.celebrityMediaMaxLength,
  };
}

/** Whether an account is too big to fan out, given its follower count and the switch. */
export function mergesAtRead(followerCount: number, readTimeMergeAboveFollowers: number | null): boolean {
  return readTimeMergeAboveFollowers !== null && followerCount > readTimeMergeAboveFollowers;
}

/**
 * The fan-out decision and its execution. With the read-time merge switch on, the owner's
 * follower counter (one GET) decides: a big account's media go only to its own feed and to
 * `celebrity-media:<ownerId>`, which feed reads merge in; everyone else is fanned out.
 */
export async function distributeMedia(deps: FanOutDeps, job: FanOutJob, options: DistributeOptions): Promise<DistributeResult> {
  if (options.readTimeMergeAboveFollowers !== null) {
    const startedNs = process.hrtime.bigint();
    const count = Number((await deps.redis.get(followerCountKey(job.ownerId))) ?? 0);
    deps.onRedisMs?.(Number(process.hrtime.bigint() - startedNs) / 1e6);
    if (mergesAtRead(count, options.readTimeMergeAboveFollowers)) {
      const pipeline = deps.redis.pipeline();
      pipeline.lpush(celebrityMediaKey(job.ownerId), job.mediaId);
      pipeline.ltrim(celebrityMediaKey(job.ownerId), 0, options.celebrityMediaMaxLength - 1);
      pipeline.lpush(feedKey(job.ownerId), job.mediaId);
      pipeline.ltrim(feedKey(job.ownerId), 0, options.maxLength - 1);
      const pushedNs = process.hrtime.bigint();
      const results = await pipeline.exec();
      deps.onRedisMs?.(Number(process.hrtime.bigint() - pushedNs) / 1e6);
      const failed = results?.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
      return { feedsWritten: 1, batches: 1, path: 'merge' };
    }
  }
  return { ...(await fanOutMedia(deps, job, options)), path: 'fan-out' };
}
