import { setTimeout as sleep } from 'node:timers/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listFolloweeIds } from '../../data/follows-repository.ts';
import { mergesAtRead } from '../../feed/fan-out.ts';
import { celebrityMediaKey, feedKey, followerCountKey } from '../../feed/feed-keys.ts';
import { mergeFeedIds } from '../../feed/feed-merge.ts';
import { selectFeedPage } from '../../feed/feed-page.ts';
import type { ShardedDb } from '../../data/sharded-db.ts';
import type { AppConfig } from '../app-config.ts';
import { feedPageBody, mediaUrlBase, readMediaPage } from '../media-reads.ts';
import { JSON_CONTENT_TYPE, assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, MediaSchema, UserIdParamsSchema } from '../schemas.ts';

export const FeedPageSchema = Type.Object(
  { items: Type.Array(MediaSchema), nextBefore: Type.Optional(IdStringSchema) },
  { additionalProperties: false },
);

/**
 * The home feed (reads outnumber writes about 100:1, docs/facts.md): the user's Redis list of
 * media IDs in push order, hydrated from memcached (one batched lookup per server) and, for
 * misses, one query per physical shard (on the replicas when feed.readFromReplica is set). A
 * user with no list (or no such user) gets an empty page: the plain feed never touches Postgres users.
 *
 * With fanOut.readTimeMergeAboveFollowers set, big accounts are not fanned out, so a read also
 * merges in the recent media of the big accounts the user follows. Those are found by asking the
 * user's own shard whom they follow (one indexed query) and the follower counters (one MGET),
 * rather than by a per-user set kept on follow: an account that crosses the threshold later, or
 * a threshold changed between runs, would leave such sets stale, and this extra read cost is
 * exactly what the switch trades against fan-out work.
 */
export async function feedRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { feed, fanOut } = opts.config;
  const urlBase = mediaUrlBase(opts.config);
  const faultDelayMs = opts.config.faults.feedReadDelayMs;
  const faultExtraQueries = opts.config.faults.feedReadExtraQueries;
  const FeedQuerySchema = Type.Object(
    {
      limit: Type.Integer({ minimum: 1, maximum: feed.pageSizeMax, default: feed.pageSizeDefault }),
      /** The last media ID of the previous page (its `nextBefore`). */
      before: Type.Optional(IdStringSchema),
    },
    { additionalProperties: false },
  );

  /** The big accounts `userId` follows (empty while the switch is off). */
  const bigFolloweesOf = async (request: FastifyRequest, userId: string): Promise<string[]> => {
    const threshold = fanOut.readTimeMergeAboveFollowers;
    if (threshold === null) return [];
    const followees = await listFolloweeIds(requestDb(app, request), userId);
    if (followees.length === 0) return [];
    const counts = await request.timing.measure('redis', () => app.redisReads.mget(followees.map(followerCountKey)));
    return followees.filter((_, i) => mergesAtRead(Number(counts[i] ?? 0), threshold));
  };

  app.get<{ Params: Static<typeof UserIdParamsSchema>; Querystring: Static<typeof FeedQuerySchema> }>(
    '/users/:userId/feed',
    { schema: { params: UserIdParamsSchema, querystring: FeedQuerySchema, response: { 200: FeedPageSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      if (faultDelayMs > 0) await sleep(faultDelayMs);
      const { userId } = request.params;
      const { limit, before } = request.query;
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      const key = feedKey(userId);
      // Only with the switch on is there anything to ask (an await less on every plain read).
      const celebrities = fanOut.readTimeMergeAboveFollowers === null ? [] : await bigFolloweesOf(request, userId);
      let page: { ids: string[]; nextBefore?: string };
      if (celebrities.length > 0) {
        // Issued together, they go out in one write (redis-connection.ts), as a pipeline would.
        const lists = await request.timing.measure('redis', () =>
          Promise.all([key, ...celebrities.map(celebrityMediaKey)].map((list) => app.redisReads.lrange(list, 0, -1))),
        );
        page = mergeFeedIds(lists, limit, before);
      } else {
        const read =
          before === undefined
            ? { ids: await request.timing.measure('redis', () => app.redisReads.lrange(key, 0, limit)) }
            : await request.timing.measure('redis', async (): Promise<{ ids: string[]; olderThan?: string }> => {
                // The cursor is a position in the list while its ID is still there (push order is kept
                // even where IDs from different shards interleave); once trimmed off, it is an ID bound.
                const position = await app.redisReads.lpos(key, before);
                if (position !== null) return { ids: await app.redisReads.lrange(key, position + 1, position + 1 + limit) };
                return { ids: await app.redisReads.lrange(key, 0, -1), olderThan: before };
              });
        page = selectFeedPage(read.ids, limit, read.olderThan);
      }
      if (faultExtraQueries > 0) await runExtraQueries(requestDb(app, request), userId, faultExtraQueries);
      const items = await readMediaPage({ db: () => requestDb(app, request, feed.readFromReplica), cache: app.cache, timing: request.timing }, page.ids, urlBase);
      // The items are their MediaSchema serialisation already (cached as such): the page is
      // written around them (media-reads.ts feedPageBody), not parsed and re-serialised.
      return reply.type(JSON_CONTENT_TYPE).send(feedPageBody(items, page.nextBefore));
    },
  );
}

/**
 * The injected "more queries per request" regression (faults.feedReadExtraQueries): `count`
 * trivial statements on the feed owner's physical shard, one round trip after another through
 * the same pool as the real queries, so they show in the per-shard query counters, the pool's
 * waits and the request's Server-Timing `pg` like any other query.
 */
export async function runExtraQueries(db: ShardedDb, userId: string, count: number): Promise<void> {
  const { physicalShard } = db.route(userId);
  for (let i = 0; i < count; i++) await db.query(physicalShard, 'SELECT 1');
}
