import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { logicalShardForUsername } from '../../data/shard-map.ts';
import { findUserByUsername } from '../../data/users-repository.ts';
import { sessionKey } from '../../feed/feed-keys.ts';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema } from '../schemas.ts';
import { newSessionToken } from '../sessions.ts';

const CreateSessionBodySchema = Type.Object(
  { username: Type.String({ minLength: 3, maxLength: 30, pattern: '^[a-z0-9_.]+$' }) },
  { additionalProperties: false },
);
const SessionSchema = Type.Object(
  { token: Type.String({ pattern: '^[0-9a-f]{32}$' }), userId: IdStringSchema, expiresInS: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

/**
 * Logging in. The reference system has no passwords (the load is the point, not the login), so
 * a username is enough: the session is a random token in Redis that expires by TTL.
 */
export async function sessionRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { config } = opts;
  app.post<{ Body: Static<typeof CreateSessionBodySchema> }>(
    '/sessions',
    { schema: { body: CreateSessionBodySchema, response: { 201: SessionSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const { username } = request.body;
      const user = await findUserByUsername(requestDb(app, request), logicalShardForUsername(username, config.logicalShards), username);
      if (!user) throw new ApiError('USER_NOT_FOUND', `no user is called ${username}`);
      const token = newSessionToken();
      await request.timing.measure('redis', () => app.redis.set(sessionKey(token), user.id, 'EX', config.sessions.ttlS));
      return reply.code(201).send({ token, userId: user.id, expiresInS: config.sessions.ttlS });
    },
  );
}
