import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { insertLike } from '../../data/likes-repository.ts';
import { userExists } from '../../data/users-repository.ts';
import { addActivity } from '../../feed/activity.ts';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { mediaCacheKey } from '../media-reads.ts';
import { assertRoutable, execOrThrow, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, MediaIdParamsSchema } from '../schemas.ts';
import { authenticate } from '../sessions.ts';

const LikeBodySchema = Type.Object({ userId: IdStringSchema }, { additionalProperties: false });
const LikeSchema = Type.Object(
  { mediaId: IdStringSchema, userId: IdStringSchema, created: Type.Boolean(), likeCount: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

/**
 * Liking is idempotent per (user, media) and exact under a storm (likes-repository.ts). A new
 * like of someone else's media also lands in the owner's activity feed (same request) and
 * enqueues a push notification (the worker delivers it to the notification sink).
 */
export async function likeRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { activity } = opts.config;
  app.post<{ Params: Static<typeof MediaIdParamsSchema>; Body: Static<typeof LikeBodySchema> }>(
    '/media/:mediaId/likes',
    { schema: { params: MediaIdParamsSchema, body: LikeBodySchema, response: { 200: LikeSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const { mediaId } = request.params;
      const { userId } = request.body;
      await authenticate(app, request, userId);
      assertRoutable(app, mediaId, 'MEDIA_NOT_FOUND', 'media');
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      const db = requestDb(app, request);
      if (!(await userExists(db, userId))) throw new ApiError('USER_NOT_FOUND', `user ${userId} does not exist`);
      const result = await insertLike(db, mediaId, userId);
      if (!result.mediaFound) throw new ApiError('MEDIA_NOT_FOUND', `media ${mediaId} does not exist`);
      if (result.created) {
        const likedAtMs = Date.now();
        // The cached row carries like_count; drop it so the next read sees the new count.
        const invalidated = request.timing.measure('cache', () => app.cache.delete(mediaCacheKey(mediaId)));
        if (result.ownerId !== userId) {
          const pipeline = app.redis.pipeline();
          addActivity(pipeline, result.ownerId, { kind: 'like', actorId: userId, mediaId, atMs: likedAtMs }, activity.maxLength);
          await request.timing.measure('redis', () =>
            Promise.all([
              execOrThrow(pipeline),
              app.jobs.enqueuePush({ toUserId: result.ownerId, likerId: userId, mediaId, likedAtMs, enqueuedAtMs: Date.now() }),
            ]),
          );
        }
        await invalidated;
      }
      return { mediaId, userId, created: result.created, likeCount: result.likeCount };
    },
  );
}
