/**
 * The app benchmark's baseline server (bench/app.bench.ts): a bare Fastify app, no plugins, no
 * logger, no schemas, whose one route does one Redis GET and answers its value as JSON. It is
 * bundled and started exactly like the app (bench/app-bench-stack.ts), so the two differ only
 * in what a request does. FEEDSCALE_BENCH_PORT, FEEDSCALE_BENCH_REDIS_URL; exits on SIGTERM/SIGINT.
 *
 *   GET /bare/:key  -> {"value": <GET key>}
 *   GET /health     -> {"status": "ok"} (readiness, no Redis)
 */
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const port = Number(process.env.FEEDSCALE_BENCH_PORT);
const redis = new Redis(process.env.FEEDSCALE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const app = Fastify();

app.get<{ Params: { key: string } }>('/bare/:key', async (request) => ({ value: await redis.get(request.params.key) }));
app.get('/health', async () => ({ status: 'ok' }));

const stop = (): void => {
  void app.close().then(() => redis.quit()).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
await app.listen({ host: '127.0.0.1', port });
