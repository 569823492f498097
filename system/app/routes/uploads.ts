import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { listFollowerIds } from '../../data/follows-repository.ts';
import { insertMedia } from '../../data/media-repository.ts';
import { userExists } from '../../data/users-repository.ts';
import { distributeMedia, distributeOptionsFor, fanOutPending } from '../../feed/fan-out.ts';
import { mediaOwnerBucketKey } from '../../feed/feed-keys.ts';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { mediaUrlBase, toMediaJson } from '../media-reads.ts';
import { assertRoutable, requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, IdStringSchema, MediaSchema } from '../schemas.ts';
import { authenticate } from '../sessions.ts';
import { codeFieldErrors, LocationSchema } from './geo-input.ts';

const EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png' } as const;

const CreateUploadBodySchema = Type.Object(
  { contentType: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/png')]) },
  { additionalProperties: false },
);
const UploadSchema = Type.Object(
  { uploadId: Type.String(), objectKey: Type.String(), uploadUrl: Type.String(), expiresInS: Type.Integer() },
  { additionalProperties: false },
);
const UploadParamsSchema = Type.Object(
  { userId: IdStringSchema, uploadId: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) },
  { additionalProperties: false },
);
const CompleteBodySchema = Type.Object(
  {
    caption: Type.Optional(Type.String({ maxLength: 2200 })),
    /** Where the photo was taken, when the phone knew and the user shared it; GET /media/nearby finds it there. */
    location: Type.Optional(LocationSchema),
  },
  { additionalProperties: false },
);
const CompletedSchema = Type.Object({ media: MediaSchema }, { additionalProperties: false });

export function uploadObjectKey(userId: string, uploadId: string, contentType: keyof typeof EXTENSIONS): string {
  return `u/${userId}/${uploadId}.${EXTENSIONS[contentType]}`;
}

/**
 * Two-step upload, as a 2011 client did against S3: ask for a presigned PUT, send the bytes
 * straight to the object store, then complete. Completing writes the media row on the owner's
 * shard (with the photo's location when the client sends one) and hands the new media ID to
 * fan-out: a 'fan-out' job for the workers (fanOut.mode 'queue', the default), or done in the
 * request ('sync', kept for comparison).
 */
export async function uploadRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { config } = opts;
  const urlBase = mediaUrlBase(config);

  app.post<{ Params: { userId: string }; Body: Static<typeof CreateUploadBodySchema> }>(
    '/users/:userId/uploads',
    {
      schema: {
        params: Type.Object({ userId: IdStringSchema }, { additionalProperties: false }),
        body: CreateUploadBodySchema,
        response: { 201: UploadSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { userId } = request.params;
      await authenticate(app, request, userId);
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      if (!(await userExists(requestDb(app, request), userId))) throw new ApiError('USER_NOT_FOUND', `user ${userId} does not exist`);
      const uploadId = randomUUID();
      const objectKey = uploadObjectKey(userId, uploadId, request.body.contentType);
      const uploadUrl = await request.timing.measure('s3', () => app.objectStore.presignPut(objectKey, request.body.contentType));
      return reply.code(201).send({ uploadId, objectKey, uploadUrl, expiresInS: app.objectStore.presignExpiresS });
    },
  );

  app.post<{ Params: Static<typeof UploadParamsSchema>; Body: Static<typeof CompleteBodySchema> }>(
    '/users/:userId/uploads/:uploadId/complete',
    {
      schema: { params: UploadParamsSchema, body: CompleteBodySchema, response: { 201: CompletedSchema, ...ERROR_RESPONSES } },
      schemaErrorFormatter: codeFieldErrors({ location: 'INVALID_LOCATION' }),
    },
    async (request, reply) => {
      const { userId, uploadId } = request.params;
      await authenticate(app, request, userId);
      assertRoutable(app, userId, 'USER_NOT_FOUND', 'user');
      // The content type is not carried to this step; the key is one of two, JPEG first (the common case).
      let objectKey: string | null = null;
      for (const contentType of Object.keys(EXTENSIONS) as (keyof typeof EXTENSIONS)[]) {
        const key = uploadObjectKey(userId, uploadId, contentType);
        if (await request.timing.measure('s3', () => app.objectStore.exists(key))) {
          objectKey = key;
          break;
        }
      }
      if (!objectKey) throw new ApiError('UPLOAD_NOT_FOUND', `upload ${uploadId} has no object in the store; PUT it to the uploadUrl first`);

      const db = requestDb(app, request);
      const { media, created } = await insertMedia(db, { ownerId: userId, objectKey, caption: request.body.caption ?? '', location: request.body.location ?? null });
      // A retried complete finds the row: the map write or the enqueue may have failed after the
      // insert, so it hands the media to fan-out again unless fan-out is recorded as done (fan-out
      // is idempotent, so a second job for a media already under way writes nothing twice).
      const distribute = created || (await request.timing.measure('redis', () => fanOutPending(app.redis, media.id, media.createdAtMs)));
      if (distribute) {
        const bucket = mediaOwnerBucketKey(media.id, config.mediaOwnerMap.bucketSize);
        await request.timing.measure('redis', () => app.redis.hset(bucket, media.id, userId));
      }
      if (distribute && config.fanOut.mode === 'queue') {
        const job = { ownerId: userId, mediaId: media.id, enqueuedAtMs: Date.now() };
        await request.timing.measure('redis', () => app.jobs.enqueueFanOut(job));
      } else if (distribute) {
        await distributeMedia(
          {
            redis: app.redis,
            listFollowers: (ownerId, afterId, limit) => listFollowerIds(db, ownerId, afterId, limit),
            onRedisMs: (durationMs) => request.timing.add('redis', durationMs),
          },
          { ownerId: userId, mediaId: media.id },
          distributeOptionsFor(config),
        );
      }
      return reply.code(201).send({ media: toMediaJson(media, urlBase) });
    },
  );
}
