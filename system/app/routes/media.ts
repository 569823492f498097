import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { mediaUrlBase, readMedia } from '../media-reads.ts';
import { mediaNearbyRoutes } from './media-nearby.ts';
import { JSON_CONTENT_TYPE, assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, MediaIdParamsSchema, MediaSchema } from '../schemas.ts';
import { mediaOwnerBucketKey } from '../../feed/feed-keys.ts';

export async function mediaRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const urlBase = mediaUrlBase(opts.config);
  // GET /media/nearby (the static path wins over /media/:mediaId in the router).
  app.register(mediaNearbyRoutes, opts);
  app.get<{ Params: Static<typeof MediaIdParamsSchema> }>(
    '/media/:mediaId',
    { schema: { params: MediaIdParamsSchema, response: { 200: MediaSchema, ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const { mediaId } = request.params;
      assertRoutable(app, mediaId, 'MEDIA_NOT_FOUND', 'media');
      const media = await readMedia({ db: () => requestDb(app, request), cache: app.cache, timing: request.timing }, mediaId, urlBase);
      if (media === null) throw new ApiError('MEDIA_NOT_FOUND', `media ${mediaId} does not exist`);
      // Already the MediaSchema serialisation (media-reads.ts mediaJsonText): sent as it is.
      return reply.type(JSON_CONTENT_TYPE).send(media);
    },
  );

  // Who owns a media, from the Redis media -> owner map alone (no shard, no cache).
  app.get<{ Params: Static<typeof MediaIdParamsSchema> }>(
    '/media/:mediaId/owner',
    { schema: { params: MediaIdParamsSchema, response: { 200: MediaOwnerSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const { mediaId } = request.params;
      const key = mediaOwnerBucketKey(mediaId, opts.config.mediaOwnerMap.bucketSize);
      const ownerId = await request.timing.measure('redis', () => app.redisReads.hget(key, mediaId));
      if (!ownerId) throw new ApiError('MEDIA_NOT_FOUND', `media ${mediaId} is not in the media -> owner map`);
      return { mediaId, ownerId };
    },
  );
}

const MediaOwnerSchema = Type.Object({ mediaId: IdStringSchema, ownerId: IdStringSchema }, { additionalProperties: false });
