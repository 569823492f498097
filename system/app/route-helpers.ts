import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isId, shardOfId } from '../data/ids.ts';
import type { ShardedDb } from '../data/sharded-db.ts';
import { ApiError, type ApiErrorCode } from './api-errors.ts';

/** The shard router as seen by one request: each query adds its time to the request's pg timing. */
export function requestDb(app: FastifyInstance, request: FastifyRequest): ShardedDb {
  return app.pg.withObserver((_, durationMs) => request.timing.add('pg', durationMs));
}

/**
 * An ID that passed the schema pattern may still be over 63 bits or carry a logical shard this
 * deployment does not have; no row can exist for it, so it is a 404 rather than a crash.
 */
export function assertRoutable(app: FastifyInstance, id: string, code: ApiErrorCode & `${string}_NOT_FOUND`, what: string): void {
  if (!isId(id) || shardOfId(id) >= app.pg.map.logicalShards) throw new ApiError(code, `${what} ${id} does not exist`);
}
