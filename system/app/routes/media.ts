import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { mediaUrlBase, readMedia, toMediaJson } from '../media-reads.ts';
import { assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, MediaIdParamsSchema, MediaSchema } from '../schemas.ts';

export async function mediaRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const urlBase = mediaUrlBase(opts.config);
  app.get<{ Params: Static<typeof MediaIdParamsSchema> }>(
    '/media/:mediaId',
    { schema: { params: MediaIdParamsSchema, response: { 200: MediaSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const { mediaId } = request.params;
      assertRoutable(app, mediaId, 'MEDIA_NOT_FOUND', 'media');
      const media = await readMedia({ db: requestDb(app, request), cache: app.cache, timing: request.timing }, mediaId);
      if (!media) throw new ApiError('MEDIA_NOT_FOUND', `media ${mediaId} does not exist`);
      return toMediaJson(media, urlBase);
    },
  );
}
