import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { insertLike } from '../../data/likes-repository.ts';
import { userExists } from '../../data/users-repository.ts';
import { ApiError } from '../api-errors.ts';
import { mediaCacheKey } from '../media-reads.ts';
import { assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, MediaIdParamsSchema } from '../schemas.ts';

const LikeBodySchema = Type.Object({ userId: IdStringSchema }, { additionalProperties: false });
const LikeSchema = Type.Object(
  { mediaId: IdStringSchema, userId: IdStringSchema, created: Type.Boolean(), likeCount: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

export async function likeRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: Static<typeof MediaIdParamsSchema>; Body: Static<typeof LikeBodySchema> }>(
    '/media/:mediaId/likes',
    { schema: { params: MediaIdParamsSchema, body: LikeBodySchema, response: { 200: LikeSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const { mediaId } = request.params;
      const { userId } = request.body;
      assertRoutable(app, mediaId, 'MEDIA_NOT_FOUND', 'media');
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      const db = requestDb(app, request);
      if (!(await userExists(db, userId))) throw new ApiError('USER_NOT_FOUND', `user ${userId} does not exist`);
      const result = await insertLike(db, mediaId, userId);
      if (!result.mediaFound) throw new ApiError('MEDIA_NOT_FOUND', `media ${mediaId} does not exist`);
      // The cached row carries like_count; drop it so the next read sees the new count.
      if (result.created) await request.timing.measure('cache', () => app.cache.delete(mediaCacheKey(mediaId)));
      return { mediaId, userId, created: result.created, likeCount: result.likeCount };
    },
  );
}
