import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCodes, mapError } from './api-errors.ts';

describe('ApiErrorCodes', () => {
  it('documents every code with a status and a summary', () => {
    for (const [code, entry] of Object.entries(ApiErrorCodes)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(entry.statusCode).toBeGreaterThanOrEqual(400);
      expect(entry.summary.length).toBeGreaterThan(10);
    }
  });
});

describe('mapError', () => {
  it('sends our own errors with their status and code', () => {
    expect(mapError(new ApiError('UPLOAD_NOT_FOUND', 'no object'))).toEqual({
      statusCode: 409,
      body: { error: 'Conflict', code: 'UPLOAD_NOT_FOUND', message: 'no object' },
    });
    expect(mapError(new ApiError('USER_NOT_FOUND', 'gone')).statusCode).toBe(404);
  });

  it('maps schema validation failures to 400 VALIDATION_FAILED', () => {
    const err = Object.assign(new Error('body/username must match pattern'), { validation: [{}], statusCode: 400, code: 'FST_ERR_VALIDATION' });
    expect(mapError(err)).toEqual({
      statusCode: 400,
      body: { error: 'Bad Request', code: 'VALIDATION_FAILED', message: 'body/username must match pattern' },
    });
  });

  it('maps Fastify body parsing errors to their 4xx', () => {
    const cases: Array<[string, number, string]> = [
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'BODY_TOO_LARGE'],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'BAD_REQUEST'],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'BAD_REQUEST'],
    ];
    for (const [code, statusCode, ours] of cases) {
      const mapped = mapError(Object.assign(new Error('x'), { code, statusCode }));
      expect(mapped.statusCode).toBe(statusCode);
      expect(mapped.body.code).toBe(ours);
    }
  });

  it('keeps any other client error a 4xx', () => {
    expect(mapError(Object.assign(new Error('odd header'), { statusCode: 431 }))).toMatchObject({ statusCode: 431, body: { code: 'BAD_REQUEST' } });
  });

  it('turns unknown failures into a 500 that reveals nothing', () => {
    const mapped = mapError(new Error('password authentication failed for user feedscale'));
    expect(mapped).toEqual({ statusCode: 500, body: { error: 'Internal Server Error', code: 'INTERNAL', message: 'internal error' } });
    expect(mapError(undefined).statusCode).toBe(500);
    expect(mapError('a string').statusCode).toBe(500);
  });
});
