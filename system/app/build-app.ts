import type { IncomingMessage } from 'node:http';
import AjvCompiler from '@fastify/ajv-compiler';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { mapError } from './api-errors.ts';
import type { AppConfig } from './app-config.ts';
import { cachePlugin } from './plugins/cache.ts';
import { jobsPlugin } from './plugins/jobs.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { objectStorePlugin } from './plugins/object-store.ts';
import { postgresPlugin } from './plugins/postgres.ts';
import { redisPlugin } from './plugins/redis.ts';
import { redisReadsPlugin } from './plugins/redis-reads.ts';
import { requestTimingPlugin } from './plugins/request-timing.ts';
import { activityRoutes } from './routes/activity.ts';
import { feedRoutes } from './routes/feed.ts';
import { followRoutes } from './routes/follows.ts';
import { healthRoutes } from './routes/health.ts';
import { likeRoutes } from './routes/likes.ts';
import { mediaRoutes } from './routes/media.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { userRoutes } from './routes/users.ts';
import { withStrictNumbers } from './strict-numbers.ts';

/** Requests carry small JSON documents; photos go straight to the object store. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** What an over-limit body may still send before the 413 goes out anyway (nginx caps bodies at 1 MiB). */
const DRAIN_MAX_BYTES = 2 * 1024 * 1024;
const DRAIN_TIMEOUT_MS = 5000;

/**
 * Reads and discards the rest of a rejected request body. Answering 413 and closing the socket
 * while nginx is still sending the body makes nginx see a reset and answer 502 in our place;
 * draining first lets the 413 through. Bounded in bytes and time.
 */
export function drainRequestBody(raw: IncomingMessage, maxBytes = DRAIN_MAX_BYTES, timeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seenBytes = 0;
    const finish = (): void => {
      clearTimeout(timer);
      raw.removeListener('data', onData);
      raw.removeListener('end', finish);
      raw.removeListener('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seenBytes += chunk.length;
      if (seenBytes > maxBytes) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('close', finish);
    raw.resume();
  });
}

export interface AppDeps {
  /** Fastify's logger option; defaults to pino at config.logLevel on stdout. Pass false in tests. */
  logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The validated, frozen configuration this app was built with. */
    config: AppConfig;
  }
}

/**
 * Builds the photo-sharing service without listening (server.ts listens; tests use inject).
 * Backends connect lazily, so building against unreachable hosts works and only requests that
 * need a backend fail.
 *
 * @example
 * const app = buildApp(validateConfig(AppConfigSchema, json, 'app config'), { logger: false });
 * const res = await app.inject({ method: 'GET', url: '/health' });
 */
export function buildApp(config: AppConfig, deps: AppDeps = {}): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // Router-level rejections (unparsable URL, over-long path parameter) get the same error body.
    frameworkErrors: (err, _request, reply) => {
      const { statusCode, body } = mapError(err);
      void (reply as FastifyReply).code(statusCode).send(body);
    },
  });

  // Fastify's default ajv, with two changes: unknown keys are rejected (not silently removed),
  // and bodies are not coerced, so a JSON number never passes for an ID string (it would have
  // lost precision above 2^53 before we saw it). Params and query strings are text and still coerce.
  const buildValidator = AjvCompiler();
  const strict = buildValidator({}, { customOptions: { removeAdditional: false, coerceTypes: false } });
  const coercing = buildValidator({}, { customOptions: { removeAdditional: false, coerceTypes: 'array' } });
  // Coercion takes any text Number() does ("Infinity", "1e400", "0x10"): numbers in the URL must
  // be finite decimals first (strict-numbers.ts), else ?limit=Infinity reaches Redis as a 500.
  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? strict(route) : withStrictNumbers(route.schema, coercing(route))));

  // The API speaks JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  app.decorate('config', config);
  app.register(requestTimingPlugin);
  app.register(postgresPlugin, { config });
  app.register(redisPlugin, { config });
  app.register(redisReadsPlugin, { config });
  app.register(cachePlugin, { config });
  app.register(objectStorePlugin, { config });
  app.register(jobsPlugin, { config });
  app.register(metricsPlugin);

  app.setErrorHandler(async (err, request, reply) => {
    const { statusCode, body } = mapError(err);
    if (statusCode >= 500) request.log.error({ err }, 'request failed');
    else request.log.debug({ err, code: body.code }, 'request rejected');
    if (body.code === 'BODY_TOO_LARGE') await drainRequestBody(request.raw);
    return reply.code(statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'Not Found', code: 'ROUTE_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.register(healthRoutes, { config });
  app.register(metricsRoutes);
  app.register(userRoutes, { config });
  app.register(sessionRoutes, { config });
  app.register(followRoutes, { config });
  app.register(uploadRoutes, { config });
  app.register(mediaRoutes, { config });
  app.register(likeRoutes, { config });
  app.register(feedRoutes, { config });
  app.register(activityRoutes, { config });
  return app;
}
