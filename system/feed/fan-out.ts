import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../app/app-config.ts';
import { celebrityMediaKey, fanOutStateKey, feedKey, followerCountKey } from './feed-keys.ts';

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
  /** Told how long each Redis batch (one script call) took. */
  onRedisMs?: (durationMs: number) => void;
}

export interface FanOutOptions {
  /** LTRIM cap of each feed list (config feed.maxLength). */
  maxLength: number;
  /** Followers per Redis batch and per followers page. */
  batchSize?: number;
}

export interface FanOutResult {
  /** Feed lists pushed to, the owner's included. */
  feedsWritten: number;
  batches: number;
}

export const FAN_OUT_BATCH_DEFAULT = 1000;

/**
 * How long a media's fan-out state (feed-keys.ts fanOutStateKey) is kept after its last batch:
 * far longer than any retry (BullMQ retries within seconds; a crashed worker's job comes back
 * when its lock expires), and bounded so the state costs memory only for recent uploads. The
 * upload route re-enqueues a fan-out only for media younger than this (uploads.ts).
 */
export const FAN_OUT_STATE_TTL_S = 24 * 3600;
const DONE = 'done';

/**
 * One batch of fan-out, atomic and conditional: if the media's fan-out state still says what
 * this run read (ARGV[1], '' for none), push the media onto every list (each trimmed to its cap)
 * and move the state to ARGV[2]; else change nothing and return the state found. A retried or
 * duplicate job therefore never writes a batch that another attempt already wrote: LPUSH is not
 * idempotent, this is. Chosen over LREM-then-LPUSH (which would move a retried media above newer
 * ones and scan every list on every upload) and over dedupe on read (which leaves duplicates in
 * the lists, taking their capped space).
 *
 * KEYS[1] the state key, KEYS[2..] the lists; ARGV: expected state, next state, media ID, state
 * TTL in s, then each list's cap in the order of KEYS[2..].
 */
const FAN_OUT_BATCH_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return {0, current} end
for i = 2, #KEYS do
  redis.call('LPUSH', KEYS[i], ARGV[3])
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[3 + i]) - 1)
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[4])
return {1, ARGV[2]}
`;
const FAN_OUT_BATCH_SHA = createHash('sha1').update(FAN_OUT_BATCH_SCRIPT).digest('hex');

/** Runs the batch script (EVALSHA, loading it on NOSCRIPT); the state after it, and whether this call wrote. */
async function writeBatch(redis: Redis, job: FanOutJob, expected: string, next: string, lists: ReadonlyArray<{ key: string; cap: number }>): Promise<{ wrote: boolean; state: string }> {
  const keys = [fanOutStateKey(job.mediaId), ...lists.map((l) => l.key)];
  const args = [expected, next, job.mediaId, String(FAN_OUT_STATE_TTL_S), ...lists.map((l) => String(l.cap))];
  let reply: [number, string];
  try {
    reply = (await redis.evalsha(FAN_OUT_BATCH_SHA, keys.length, ...keys, ...args)) as [number, string];
  } catch (err) {
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    reply = (await redis.eval(FAN_OUT_BATCH_SCRIPT, keys.length, ...keys, ...args)) as [number, string];
  }
  return { wrote: reply[0] === 1, state: String(reply[1]) };
}

/** Where a media's fan-out stands: '' not started, a follower ID (batches up to it written), or 'done'. */
export async function fanOutState(redis: Redis, mediaId: string): Promise<string> {
  return (await redis.get(fanOutStateKey(mediaId))) ?? '';
}

export function isFanOutDone(state: string): boolean {
  return state === DONE;
}

/**
 * Whether a media found again by a retried upload complete still needs its fan-out: not
 * recorded as done, and young enough that its state would still be recorded (an older media with
 * no state was fanned out long ago; distributing it again would push it a second time).
 */
export async function fanOutPending(redis: Redis, mediaId: string, createdAtMs: number, nowMs: number = Date.now()): Promise<boolean> {
  if (nowMs - createdAtMs >= FAN_OUT_STATE_TTL_S * 1000) return false;
  return !isFanOutDone(await fanOutState(redis, mediaId));
}

/**
 * Pushes the media onto the owner's feed and every follower's, a page of followers per batch,
 * each batch one conditional script (see FAN_OUT_BATCH_SCRIPT) that also records how far the
 * fan-out got. A retried job (after a crash, a failed page read, a lost Redis reply) resumes
 * after the last batch written; a job for a media already done writes nothing.
 */
export async function fanOutMedia(deps: FanOutDeps, job: FanOutJob, options: FanOutOptions): Promise<FanOutResult> {
  const batchSize = options.batchSize ?? FAN_OUT_BATCH_DEFAULT;
  let feedsWritten = 0;
  let batches = 0;
  let state = await fanOutState(deps.redis, job.mediaId);
  while (state !== DONE) {
    const page = await deps.listFollowers(job.ownerId, state === '' ? null : state, batchSize);
    // The owner's own feed rides with the first batch: one round trip fewer per upload.
    const targets = state === '' ? [job.ownerId, ...page] : page;
    const next = page.length < batchSize ? DONE : (page[page.length - 1] as string);
    const startedNs = process.hrtime.bigint();
    const written = await writeBatch(deps.redis, job, state, next, targets.map((id) => ({ key: feedKey(id), cap: options.maxLength })));
    deps.onRedisMs?.(Number(process.hrtime.bigint() - startedNs) / 1e6);
    if (written.wrote) {
      feedsWritten += targets.length;
      batches++;
    }
    // Another attempt got further meanwhile (a duplicate job): go on from where it is.
    state = written.state;
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
  // Decided once, before the first batch: a retry of a fan-out already under way keeps fanning out.
  if (options.readTimeMergeAboveFollowers !== null && (await fanOutState(deps.redis, job.mediaId)) === '') {
    const startedNs = process.hrtime.bigint();
    const count = Number((await deps.redis.get(followerCountKey(job.ownerId))) ?? 0);
    deps.onRedisMs?.(Number(process.hrtime.bigint() - startedNs) / 1e6);
    if (mergesAtRead(count, options.readTimeMergeAboveFollowers)) {
      const pushedNs = process.hrtime.bigint();
      const written = await writeBatch(deps.redis, job, '', DONE, [
        { key: celebrityMediaKey(job.ownerId), cap: options.celebrityMediaMaxLength },
        { key: feedKey(job.ownerId), cap: options.maxLength },
      ]);
      deps.onRedisMs?.(Number(process.hrtime.bigint() - pushedNs) / 1e6);
      if (written.wrote || isFanOutDone(written.state)) return { feedsWritten: written.wrote ? 1 : 0, batches: written.wrote ? 1 : 0, path: 'merge' };
    }
  }
  return { ...(await fanOutMedia(deps, job, options)), path: 'fan-out' };
}
