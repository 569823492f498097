import { Type, type Static } from '@sinclair/typebox';
import { MAX_LOGICAL_SHARDS } from './data/ids.ts';

/**
 * The switches that shape both the stack (containers/stack-config.ts) and each app instance
 * (system/app/app-config.ts): one definition each, so the two can never disagree on a mode's
 * name or a default. Facts cited are in docs/facts.md.
 */

/** Logical shards by default: 2011 ran "several thousand" schemas; 512 keeps seeding quick. */
export const DEFAULT_LOGICAL_SHARDS = 512;

export const LogicalShardsSchema = Type.Integer({
  minimum: 1,
  maximum: MAX_LOGICAL_SHARDS,
  default: DEFAULT_LOGICAL_SHARDS,
  description: 'Logical shards (Postgres schemas) spread over the physical hosts; encoded in every ID (13 bits). 2011: thousands.',
});

export const CacheModeSchema = Type.Union([Type.Literal('memcached'), Type.Literal('off')], {
  default: 'memcached',
  description: 'memcached: read-through cache of user and media objects; off: no memcached, every read goes to Postgres.',
});
export type CacheMode = Static<typeof CacheModeSchema>;

export const FanOutModeSchema = Type.Union([Type.Literal('queue'), Type.Literal('sync')], {
  default: 'queue',
  description: 'queue: publishing enqueues a BullMQ job the workers fan out (2011: Gearman workers); sync: the upload request fans out itself.',
});
export type FanOutMode = Static<typeof FanOutModeSchema>;

export const ReadTimeMergeAboveFollowersSchema = Type.Union([Type.Null(), Type.Integer({ minimum: 0 })], {
  default: null,
  description: 'Accounts with more followers are not fanned out; feed reads merge their media instead. null = off, as in 2011.',
});

export const FeedReadExtraQueriesSchema = Type.Integer({
  minimum: 0,
  maximum: 100,
  default: 0,
  description:
    "Fault injection: extra round trips to the feed owner's shard on every feed read (a trivial query each), to check that a gate catches a rise in queries per request. 0 = none.",
});

export const FeedReadDelayMsSchema = Type.Integer({
  minimum: 0,
  maximum: 60_000,
  default: 0,
  description: 'Fault injection: milliseconds added to every feed read in the app (to check that a gate catches a regression). 0 = none.',
});
