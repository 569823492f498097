import { Type } from '@sinclair/typebox';
import type { FastifySchemaValidationError, RouteShorthandOptions } from 'fastify';
import { MAX_NEARBY_RADIUS_M } from '../../data/geo-point.ts';
import { ApiError, type ApiErrorCode } from '../api-errors.ts';

/**
 * Where a photo was taken, as clients send it and the API returns it. Degrees, WGS84; the
 * ranges are the whole globe (a longitude of exactly 180 is the antimeridian, kept as sent).
 */
export const LatitudeSchema = Type.Number({ minimum: -90, maximum: 90, description: 'Latitude in degrees, [-90, 90]' });
export const LongitudeSchema = Type.Number({ minimum: -180, maximum: 180, description: 'Longitude in degrees, [-180, 180]' });
export const LocationSchema = Type.Object({ lat: LatitudeSchema, lng: LongitudeSchema }, { additionalProperties: false });

/** Fastify's type of a route's schema error formatter (not exported by name). */
type SchemaErrorFormatter = NonNullable<RouteShorthandOptions['schemaErrorFormatter']>;

/** The nearby radius: more than 0 and at most {@link MAX_NEARBY_RADIUS_M} metres. */
export const RadiusMSchema = Type.Number({ exclusiveMinimum: 0, maximum: MAX_NEARBY_RADIUS_M, description: 'Radius in metres, (0, 50000]' });

/** The top-level field a schema failure is about: the first path segment, or the missing or unknown key at the root. */
export function failedField(error: FastifySchemaValidationError): string | undefined {
  const first = error.instancePath.split('/')[1];
  // A JSON Pointer segment: only ~1 and ~0 are escaped.
  if (first) return first.replace(/~1/g, '/').replace(/~0/g, '~');
  const params = error.params as { missingProperty?: unknown };
  return typeof params.missingProperty === 'string' ? params.missingProperty : undefined;
}

/**
 * A route's schema error formatter that gives failures on chosen fields their own code
 * (`lat` -> INVALID_LOCATION) and everything else VALIDATION_FAILED, with Fastify's usual
 * message ("querystring/lat must be <= 90"). The error handler sends an ApiError as is.
 *
 * @example
 * { schemaErrorFormatter: codeFieldErrors({ lat: 'INVALID_LOCATION', lng: 'INVALID_LOCATION' }) }
 */
export function codeFieldErrors(codes: Readonly<Record<string, ApiErrorCode>>): SchemaErrorFormatter {
  return (errors, dataVar): Error => {
    const message = errors.map((e) => `${dataVar}${e.instancePath} ${e.message ?? 'is invalid'}`).join(', ');
    for (const error of errors) {
      const field = failedField(error);
      const code = field === undefined || !Object.hasOwn(codes, field) ? undefined : codes[field];
      if (code) return new ApiError(code, message);
    }
    return new ApiError('VALIDATION_FAILED', message);
  };
}
