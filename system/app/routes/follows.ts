import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { insertFollow } from '../../data/follows-repository.ts';
import { userExists } from '../../data/users-repository.ts';
import { addActivity } from '../../feed/activity.ts';
import { followerCountKey } from '../../feed/feed-keys.ts';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { assertRoutable, execOrThrow, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, UserIdParamsSchema } from '../schemas.ts';
import { authenticate } from '../sessions.ts';

const FollowBodySchema = Type.Object({ followeeId: IdStringSchema }, { additionalProperties: false });
const FollowSchema = Type.Object(
  { followerId: IdStringSchema, followeeId: IdStringSchema, created: Type.Boolean() },
  { additionalProperties: false },
);

export async function followRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { activity } = opts.config;
  app.post<{ Params: Static<typeof UserIdParamsSchema>; Body: Static<typeof FollowBodySchema> }>(
    '/users/:userId/follows',
    { schema: { params: UserIdParamsSchema, body: FollowBodySchema, response: { 201: FollowSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const followerId = request.params.userId;
      const { followeeId } = request.body;
      await authenticate(app, request, followerId);
      if (followerId === followeeId) throw new ApiError('CANNOT_FOLLOW_SELF', 'a user cannot follow themself');
      assertRoutable(app, followerId, 'USER_NOT_FOUND', 'user');
      assertRoutable(app, followeeId, 'USER_NOT_FOUND', 'followee');
      const db = requestDb(app, request);
      const [followerFound, followeeFound] = await Promise.all([userExists(db, followerId), userExists(db, followeeId)]);
      if (!followerFound) throw new ApiError('USER_NOT_FOUND', `user ${followerId} does not exist`);
      if (!followeeFound) throw new ApiError('USER_NOT_FOUND', `followee ${followeeId} does not exist`);
      const created = await insertFollow(db, followerId, followeeId);
      if (created) {
        // The follower counter decides fan-out vs read-time merge at upload time, for one GET.
        const pipeline = app.redis.pipeline();
        pipeline.incr(followerCountKey(followeeId));
        addActivity(pipeline, followeeId, { kind: 'follow', actorId: followerId, atMs: Date.now() }, activity.maxLength);
        await request.timing.measure('redis', () => execOrThrow(pipeline));
      }
      return reply.code(201).send({ followerId, followeeId, created });
    },
  );
}
