import { Type, type Static } from '@sinclair/typebox';
import { ApiErrorCodes } from './api-errors.ts';

/**
 * Schemas shared by the routes. Fastify validates requests and serialises responses with them
 * (TypeBox objects are JSON Schema). IDs are decimal strings: a 64-bit ID does not survive a
 * JSON number.
 */
export const IdStringSchema = Type.String({ pattern: '^[1-9][0-9]{0,18}$', description: '64-bit ID as a decimal string' });

export const ErrorBodySchema = Type.Object(
  {
    error: Type.String(),
    code: Type.Union(Object.keys(ApiErrorCodes).map((code) => Type.Literal(code))),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBodySchema>;

/** Error responses every route may send. */
export const ERROR_RESPONSES = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;

export const MediaSchema = Type.Object(
  {
    id: IdStringSchema,
    ownerId: IdStringSchema,
    objectKey: Type.String(),
    /** Where clients fetch the image: `<cdn.baseUrl>/<bucket>/<objectKey>` (the CDN nginx in front of the object store). */
    url: Type.String(),
    caption: Type.String(),
    likeCount: Type.Integer({ minimum: 0 }),
    createdAt: Type.String({ description: 'ISO 8601' }),
  },
  { additionalProperties: false },
);
export type MediaJson = Static<typeof MediaSchema>;

export const UserIdParamsSchema = Type.Object({ userId: IdStringSchema }, { additionalProperties: false });
export const MediaIdParamsSchema = Type.Object({ mediaId: IdStringSchema }, { additionalProperties: false });
