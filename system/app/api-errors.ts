import { STATUS_CODES } from 'node:http';

/**
 * Every error body the API sends is `{ error, code, message }`: `error` is the HTTP reason
 * phrase, `code` one of these stable codes (clients and load drivers match on it), `message`
 * a human sentence. api-errors.test.ts checks the codes are unique and documented.
 */
export const ApiErrorCodes = Object.freeze({
  VALIDATION_FAILED: { statusCode: 400, summary: 'Params, query or body broke the route schema (wrong type, pattern, unknown key).' },
  BAD_REQUEST: { statusCode: 400, summary: 'The request could not be parsed (malformed or empty JSON, bad headers).' },
  CANNOT_FOLLOW_SELF: { statusCode: 400, summary: 'A user asked to follow themself.' },
  INVALID_LOCATION: {
    statusCode: 400,
    summary: 'A latitude or longitude is missing, not a number, or out of range (lat in [-90, 90], lng in [-180, 180]): the lat/lng of GET /media/nearby or the location of an upload.',
  },
  INVALID_RADIUS: { statusCode: 400, summary: 'The radiusM of GET /media/nearby is missing or not a number in (0, 50000] metres.' },
  UNAUTHENTICATED: { statusCode: 401, summary: 'A write without a valid session: no bearer token, a malformed one, or one unknown or expired in Redis.' },
  FORBIDDEN: { statusCode: 403, summary: 'A valid session of one user tried to act as another.' },
  ROUTE_NOT_FOUND: { statusCode: 404, summary: 'No route matches the method and path.' },
  USER_NOT_FOUND: { statusCode: 404, summary: 'The user ID does not exist (or does not route to any shard).' },
  MEDIA_NOT_FOUND: { statusCode: 404, summary: 'The media ID does not exist (or does not route to any shard).' },
  USERNAME_TAKEN: { statusCode: 409, summary: 'Another user already has this username.' },
  UPLOAD_NOT_FOUND: { statusCode: 409, summary: 'Completing an upload whose object is not in the object store.' },
  BODY_TOO_LARGE: { statusCode: 413, summary: 'The body exceeds the 64 KiB limit.' },
  UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, summary: 'The body is not application/json.' },
  NOT_READY: { statusCode: 503, summary: 'A backend (Postgres shard, Redis, memcached) did not answer the readiness check.' },
  INTERNAL: { statusCode: 500, summary: 'An unexpected failure; the details are in the server log only.' },
} as const);
export type ApiErrorCode = keyof typeof ApiErrorCodes;

export interface ApiErrorBody {
  error: string;
  code: ApiErrorCode;
  message: string;
}

/** An error the service raises on purpose; the error handler turns it into its status and body. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly statusCode: number;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = ApiErrorCodes[code].statusCode;
  }
}

/** Fastify's own client-side error codes and what we call them. */
const FASTIFY_CODES: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

/**
 * Maps any thrown value to the status and body the client sees. Pure: the caller logs.
 * Validation and parse errors become 4xx with their message; anything unknown is a 500 whose
 * message says nothing about internals.
 */
export function mapError(err: unknown): { statusCode: number; body: ApiErrorBody } {
  if (err instanceof ApiError) return reply(err.statusCode, err.code, err.message);
  const e = (err ?? {}) as { validation?: unknown; code?: unknown; statusCode?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.validation) return reply(400, 'VALIDATION_FAILED', message || 'request does not match the schema');
  const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (known) return reply(ApiErrorCodes[known].statusCode, known, message);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return reply(e.statusCode, 'BAD_REQUEST', message || 'bad request');
  }
  return reply(500, 'INTERNAL', 'internal error');
}

function reply(statusCode: number, code: ApiErrorCode, message: string): { statusCode: number; body: ApiErrorBody } {
  return { statusCode, body: { error: STATUS_CODES[statusCode] ?? 'Error', code, message } };
}
