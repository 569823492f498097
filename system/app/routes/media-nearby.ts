import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import { findMediaNearby } from '../../data/media-nearby.ts';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { mediaUrlBase, toMediaJson } from '../media-reads.ts';
import { requestDb } from '../route-helpers.ts';
import { ERROR_RESPONSES, MediaSchema } from '../schemas.ts';
import { codeFieldErrors, LatitudeSchema, LocationSchema, LongitudeSchema, RadiusMSchema } from './geo-input.ts';

export const NearbyQuerySchema = Type.Object(
  {
    lat: LatitudeSchema,
    lng: LongitudeSchema,
    radiusM: RadiusMSchema,
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Most media returned, nearest first' }),
  },
  { additionalProperties: false },
);
export type NearbyQueryString = Static<typeof NearbyQuerySchema>;

export const NearbyItemSchema = Type.Object(
  {
    ...MediaSchema.properties,
    location: LocationSchema,
    distanceM: Type.Number({ minimum: 0, description: 'Great-circle distance from the query point, metres' }),
  },
  { additionalProperties: false },
);
export const NearbyPageSchema = Type.Object({ items: Type.Array(NearbyItemSchema) }, { additionalProperties: false });
export type NearbyPage = Static<typeof NearbyPageSchema>;

/**
 * Ajv coerces the query-string texts "Infinity" and "1e400" to Infinity and then skips every
 * range keyword (it applies them to finite numbers only), so they would pass the schema. The
 * app's validator now refuses such texts before Ajv sees them (strict-numbers.ts); this stays
 * as the route's own guard, for a validator compiler without that check (finite values got
 * their range checked, so only finiteness is left to check here).
 */
export function assertFiniteQuery(query: NearbyQueryString): void {
  const infinite = (Object.keys(query) as Array<keyof NearbyQueryString>).find((key) => !Number.isFinite(query[key]));
  if (infinite === undefined) return;
  const message = `querystring/${infinite} must be a finite number`;
  if (infinite === 'lat' || infinite === 'lng') throw new ApiError('INVALID_LOCATION', message);
  throw new ApiError(infinite === 'radiusM' ? 'INVALID_RADIUS' : 'VALIDATION_FAILED', message);
}

/** Buckets of one shard's nearby round trip: an index probe per schema on the host makes it milliseconds to tens of ms. */
const SHARD_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * GET /media/nearby: "photos taken near here", as the 2011 stack answered from Postgres before
 * geo-search moved to Solr. No owner routes a location, so the request visits every physical
 * shard (one statement each, covering all its schemas; system/data/media-nearby.ts) and merges
 * by distance. Malformed or out-of-range coordinates are a 400 INVALID_LOCATION, a bad radius
 * a 400 INVALID_RADIUS.
 *
 * Besides the request counters every route has, it counts per physical shard the statements,
 * their round-trip time and the rows they return, so the cost per geo query per shard can be
 * read from the app's metrics (the shards' pg_stat_statements has the server side, labelled
 * NEARBY_SQL_LABEL). The request's Server-Timing `pg` is the sum over shards: work, not wall time.
 */
export async function mediaNearbyRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const urlBase = mediaUrlBase(opts.config);
  const labelNames = ['physical_shard'] as const;
  const shardQueries = new Counter({
    name: 'feedscale_geo_shard_queries_total',
    help: 'Nearby (geo) statements sent, by physical shard: each GET /media/nearby sends one to every shard.',
    labelNames,
    registers: [app.metrics],
  });
  const shardSeconds = new Histogram({
    name: 'feedscale_geo_shard_query_duration_seconds',
    help: 'Round trip of one nearby statement through pgbouncer, by physical shard.',
    labelNames,
    buckets: SHARD_SECONDS_BUCKETS,
    registers: [app.metrics],
  });
  const shardRows = new Counter({
    name: 'feedscale_geo_shard_rows_total',
    help: 'Rows nearby statements returned, by physical shard (each returns at most the request limit).',
    labelNames,
    registers: [app.metrics],
  });

  app.get<{ Querystring: NearbyQueryString }>(
    '/media/nearby',
    {
      schema: { querystring: NearbyQuerySchema, response: { 200: NearbyPageSchema, ...ERROR_RESPONSES } },
      schemaErrorFormatter: codeFieldErrors({ lat: 'INVALID_LOCATION', lng: 'INVALID_LOCATION', radiusM: 'INVALID_RADIUS' }),
    },
    async (request): Promise<NearbyPage> => {
      const { lat, lng, radiusM, limit } = request.query;
      assertFiniteQuery(request.query);
      const { items, shards } = await findMediaNearby(requestDb(app, request), { center: { lat, lng }, radiusM, limit });
      for (const shard of shards) {
        const labels = { physical_shard: String(shard.physicalShard) };
        shardQueries.inc(labels);
        shardSeconds.observe(labels, shard.durationMs / 1000);
        shardRows.inc(labels, shard.rows);
      }
      return { items: items.map((item) => ({ ...toMediaJson(item, urlBase), location: item.location, distanceM: item.distanceM })) };
    },
  );
}
