import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { logicalShardForUsername } from '../../data/shard-map.ts';
import { insertUser } from '../../data/users-repository.ts';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, UserIdParamsSchema } from '../schemas.ts';
import { readUser } from '../user-reads.ts';

const CreateUserBodySchema = Type.Object(
  { username: Type.String({ minLength: 3, maxLength: 30, pattern: '^[a-z0-9_.]+$' }) },
  { additionalProperties: false },
);
const CreatedUserSchema = Type.Object(
  { id: IdStringSchema, username: Type.String(), logicalShard: Type.Integer() },
  { additionalProperties: false },
);
const UserSchema = Type.Object(
  { id: IdStringSchema, username: Type.String(), createdAt: Type.String() },
  { additionalProperties: false },
);

export async function userRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { config } = opts;

  // Signing up needs no session (there is no user yet); log in with POST /sessions afterwards.
  app.post<{ Body: Static<typeof CreateUserBodySchema> }>(
    '/users',
    { schema: { body: CreateUserBodySchema, response: { 201: CreatedUserSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const { username } = request.body;
      const logicalShard = logicalShardForUsername(username, config.logicalShards);
      const user = await insertUser(requestDb(app, request), logicalShard, username);
      if (!user) throw new ApiError('USERNAME_TAKEN', `username ${username} is taken`);
      return reply.code(201).send({ id: user.id, username: user.username, logicalShard });
    },
  );

  app.get<{ Params: Static<typeof UserIdParamsSchema> }>(
    '/users/:userId',
    { schema: { params: UserIdParamsSchema, response: { 200: UserSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const { userId } = request.params;
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      const user = await readUser({ db: () => requestDb(app, request), cache: app.cache, timing: request.timing }, userId);
      if (!user) throw new ApiError('USER_NOT_FOUND', `user ${userId} does not exist`);
      return { id: user.id, username: user.username, createdAt: new Date(user.createdAtMs).toISOString() };
    },
  );
}
