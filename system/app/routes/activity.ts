import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { parseActivity } from '../../feed/activity.ts';
import { activityKey } from '../../feed/feed-keys.ts';
import type { AppConfig } from '../app-config.ts';
import { assertRoutable } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, UserIdParamsSchema } from '../schemas.ts';
import { authenticate } from '../sessions.ts';

const ActivityItemSchema = Type.Union([
  Type.Object({ kind: Type.Literal('follow'), actorId: IdStringSchema, atMs: Type.Integer() }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('like'), actorId: IdStringSchema, mediaId: IdStringSchema, atMs: Type.Integer() }, { additionalProperties: false }),
]);
const ActivityPageSchema = Type.Object({ items: Type.Array(ActivityItemSchema) }, { additionalProperties: false });

/** The activity feed: who liked or followed the user, newest first. Private: own session only. */
export async function activityRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { activity } = opts.config;
  const ActivityQuerySchema = Type.Object(
    { limit: Type.Integer({ minimum: 1, maximum: activity.maxLength, default: Math.min(activity.pageSizeDefault, activity.maxLength) }) },
    { additionalProperties: false },
  );
  app.get<{ Params: Static<typeof UserIdParamsSchema>; Querystring: Static<typeof ActivityQuerySchema> }>(
    '/users/:userId/activity',
    { schema: { params: UserIdParamsSchema, querystring: ActivityQuerySchema, response: { 200: ActivityPageSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const { userId } = request.params;
      await authenticate(app, request, userId);
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      const texts = await request.timing.measure('redis', () => app.redis.lrange(activityKey(userId), 0, request.query.limit - 1));
      return { items: texts.flatMap((text) => parseActivity(text) ?? []) };
    },
  );
}
