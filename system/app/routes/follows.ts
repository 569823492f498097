import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { insertFollow } from '../../data/follows-repository.ts';
import { userExists } from '../../data/users-repository.ts';
import { ApiError } from '../api-errors.ts';
import { assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, UserIdParamsSchema } from '../schemas.ts';

const FollowBodySchema = Type.Object({ followeeId: IdStringSchema }, { additionalProperties: false });
const FollowSchema = Type.Object(
  { followerId: IdStringSchema, followeeId: IdStringSchema, created: Type.Boolean() },
  { additionalProperties: false },
);

export async function followRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: Static<typeof UserIdParamsSchema>; Body: Static<typeof FollowBodySchema> }>(
    '/users/:userId/follows',
    { schema: { params: UserIdParamsSchema, body: FollowBodySchema, response: { 201: FollowSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const followerId = request.params.userId;
      const { followeeId } = request.body;
      if (followerId === followeeId) throw new ApiError('CANNOT_FOLLOW_SELF', 'a user cannot follow themself');
      assertRoutable(app, followerId, 'USER_NOT_FOUND', 'user');
      assertRoutable(app, followeeId, 'USER_NOT_FOUND', 'followee');
      const db = requestDb(app, request);
      const [followerFound, followeeFound] = await Promise.all([userExists(db, followerId), userExists(db, followeeId)]);
      if (!followerFound) throw new ApiError('USER_NOT_FOUND', `user ${followerId} does not exist`);
      if (!followeeFound) throw new ApiError('USER_NOT_FOUND', `followee ${followeeId} does not exist`);
      const created = await insertFollow(db, followerId, followeeId);
      return reply.code(201).send({ followerId, followeeId, created });
    },
  );
}
