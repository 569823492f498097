import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../../data/sharded-db.ts';
import { ApiError } from '../api-errors.ts';
import type { AppConfig } from '../app-config.ts';
import { ERROR_RESPONSES } from '../schemas.ts';

const READY_TIMEOUT_MS = 2000;

const HealthSchema = Type.Object({ status: Type.Literal('ok'), instanceId: Type.String() }, { additionalProperties: false });
const ReadySchema = Type.Object(
  { status: Type.Literal('ready'), instanceId: Type.String(), checks: Type.Record(Type.String(), Type.Literal('ok')) },
  { additionalProperties: false },
);

export async function healthRoutes(app: FastifyInstance, opts: { config: AppConfig }): Promise<void> {
  const { instanceId } = opts.config;

  // Liveness: touches no backend, so a load balancer can poll it cheaply.
  app.get('/health', { schema: { response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const, instanceId }));

  app.get('/health/ready', { schema: { response: { 200: ReadySchema, ...ERROR_RESPONSES } } }, async () => {
    const checks: Array<[string, Promise<unknown>]> = [
      ['postgres', app.pg.ping(READY_TIMEOUT_MS)],
      ['redis', withTimeout(app.redis.ping(), READY_TIMEOUT_MS, 'redis')],
    ];
    if (app.cache.mode === 'memcached') checks.push(['memcached', app.cache.ping(READY_TIMEOUT_MS)]);
    const results = await Promise.allSettled(checks.map(([, check]) => check));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${checks[i]?.[0]}: ${(r.reason as Error).message}`] : []));
    if (failed.length > 0) throw new ApiError('NOT_READY', `not ready: ${failed.join('; ')}`);
    return { status: 'ready' as const, instanceId, checks: Object.fromEntries(checks.map(([name]) => [name, 'ok' as const])) };
  });
}
