import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { feedKey } from '../../feed/feed-keys.ts';
import { selectFeedPage } from '../../feed/feed-page.ts';
import type { AppConfig } from '../app-config.ts';
import { readMediaPage, toMediaJson } from '../media-reads.ts';
import { assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, MediaSchema, UserIdParamsSchema } from '../schemas.ts';

const FeedPageSchema = Type.Object(
  { items: Type.Array(MediaSchema), nextBefore: Type.Optional(IdStringSchema) },
  { additionalProperties: false },
);

/**
 * The home feed (reads outnumber writes about 100:1, shared/FACTS.md): the user's Redis list of
 * media IDs in push order, hydrated from memcached and, for misses, one query per physical shard.
 * A user with no list (or no such user) gets an empty page: the feed never touches Postgres users.
 */
export async function feedRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { feed } = opts.config;
  const FeedQuerySchema = Type.Object(
    {
      limit: Type.Integer({ minimum: 1, maximum: feed.pageSizeMax, default: feed.pageSizeDefault }),
      /** The last media ID of the previous page (its `nextBefore`). */
      before: Type.Optional(IdStringSchema),
    },
    { additionalProperties: false },
  );

  app.get<{ Params: Static<typeof UserIdParamsSchema>; Querystring: Static<typeof FeedQuerySchema> }>(
    '/users/:userId/feed',
    { schema: { params: UserIdParamsSchema, querystring: FeedQuerySchema, response: { 200: FeedPageSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const { userId } = request.params;
      const { limit, before } = request.query;
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      const key = feedKey(userId);
      const read = await request.timing.measure('redis', async (): Promise<{ ids: string[]; olderThan?: string }> => {
        if (before === undefined) return { ids: await app.redis.lrange(key, 0, limit) };
        // The cursor is a position in the list while its ID is still there (push order is kept
        // even where IDs from different shards interleave); once trimmed off, it is an ID bound.
        const position = await app.redis.lpos(key, before);
        if (position !== null) return { ids: await app.redis.lrange(key, position + 1, position + 1 + limit) };
        return { ids: await app.redis.lrange(key, 0, -1), olderThan: before };
      });
      const page = selectFeedPage(read.ids, limit, read.olderThan);
      const media = await readMediaPage({ db: requestDb(app, request), cache: app.cache, timing: request.timing }, page.ids);
      const items = media.map(toMediaJson);
      return page.nextBefore === undefined ? { items } : { items, nextBefore: page.nextBefore };
    },
  );
}
