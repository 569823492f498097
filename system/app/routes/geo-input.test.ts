import type { FastifySchemaValidationError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api-errors.ts';
import { codeFieldErrors, failedField } from './geo-input.ts';

const error = (instancePath: string, keyword: string, params: Record<string, unknown>, message: string): FastifySchemaValidationError => ({
  instancePath,
  keyword,
  params,
  message,
  schemaPath: '#',
});

describe('failedField', () => {
  it('names the top-level field of a failure: its path, or the missing key at the root', () => {
    expect(failedField(error('/lat', 'maximum', { limit: 90 }, 'must be <= 90'))).toBe('lat');
    expect(failedField(error('/location/lng', 'type', {}, 'must be number'))).toBe('location');
    expect(failedField(error('', 'required', { missingProperty: 'radiusM' }, "must have required property 'radiusM'"))).toBe('radiusM');
    expect(failedField(error('', 'additionalProperties', { additionalProperty: 'lat' }, 'must NOT have additional properties'))).toBeUndefined();
    expect(failedField(error('/a~1b~0c', 'type', {}, 'x'))).toBe('a/b~c');
    expect(failedField(error('/%E0%A4%A', 'type', {}, 'x'))).toBe('%E0%A4%A');
  });
});

describe('codeFieldErrors', () => {
  const format = codeFieldErrors({ lat: 'INVALID_LOCATION', lng: 'INVALID_LOCATION', radiusM: 'INVALID_RADIUS' });

  it('gives failures on the chosen fields their code, with Fastify\'s message', () => {
    const err = format([error('/lat', 'maximum', { limit: 90 }, 'must be <= 90')], 'querystring');
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'INVALID_LOCATION', statusCode: 400, message: 'querystring/lat must be <= 90' });
    expect(format([error('', 'required', { missingProperty: 'radiusM' }, "must have required property 'radiusM'")], 'querystring')).toMatchObject({
      code: 'INVALID_RADIUS',
    });
  });

  it('leaves every other failure VALIDATION_FAILED', () => {
    expect(format([error('/limit', 'maximum', { limit: 100 }, 'must be <= 100')], 'querystring')).toMatchObject({ code: 'VALIDATION_FAILED', statusCode: 400 });
    expect(format([error('', 'additionalProperties', { additionalProperty: 'x' }, 'must NOT have additional properties')], 'querystring')).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(codeFieldErrors({})([error('/constructor', 'type', {}, 'x')], 'body')).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
