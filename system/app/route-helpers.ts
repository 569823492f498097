import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { shardOfId } from '../data/ids.ts';
import type { ShardedDb } from '../data/sharded-db.ts';
import { ApiError, type ApiErrorCode } from './api-errors.ts';

/**
 * The shard router as seen by one request: each query adds its time to the request's pg timing.
 * `laggingReadsOk` sends the queries to the shards' replicas when there are any (feed hydration
 * with feed.readFromReplica); writes and read-your-writes paths stay on the primaries.
 */
export function requestDb(app: FastifyInstance, request: FastifyRequest, laggingReadsOk = false): ShardedDb {
  return app.pg.forLaggingReads(laggingReadsOk).withObserver((_, durationMs) => request.timing.add('pg', durationMs));
}

/**
 * The content type Fastify gives a serialised JSON body; a route that sends JSON text it built
 * itself (a cached media embedded as it is) sets it, and Fastify then sends the text unchanged.
 */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Runs a Redis pipeline and throws its first command error (ioredis reports them per command). */
export async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

/**
 * An ID that passed the schema pattern may still be over 63 bits or carry a logical shard this
 * deployment does not have; no row can exist for it, so it is a 404 rather than a crash.
 */
export function assertRoutable(app: FastifyInstance, id: string, code: ApiErrorCode & `${string}_NOT_FOUND`, what: string): void {
  // One parse: shardOfId rejects what isId would (no ID pattern, over 63 bits) with a RangeError.
  let logicalShard: number;
  try {
    logicalShard = shardOfId(id);
  } catch {
    logicalShard = Number.POSITIVE_INFINITY;
  }
  if (logicalShard >= app.pg.map.logicalShards) throw new ApiError(code, `${what} ${id} does not exist`);
}
