import type { Redis } from 'ioredis';
import { feedKey } from './feed-keys.ts';

/**
 * Fan-out on write (shared/FACTS.md, "Feed"): a new media ID is pushed onto the Redis feed list
 * of every follower of its owner, and of the owner. In 2011 Gearman workers did this in batches
 * of followers; here the upload request calls `fanOutMedia` directly, and the job is a plain
 * serialisable object so a queue worker can take its place without changing the caller.
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
