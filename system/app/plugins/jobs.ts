import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createJobQueues, type JobQueues } from '../../jobs/queues.ts';
import type { AppConfig } from '../app-config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** BullMQ producers for fan-out and push jobs, on the feed Redis connection. */
    jobs: JobQueues;
  }
}

/**
 * The queues share the app's ioredis client (lazy, fails a command after one reconnect), so an
 * app built against an unreachable Redis still starts; only enqueueing fails.
 */
export const jobsPlugin = fp(
  async (app: FastifyInstance, opts: { config: AppConfig }) => {
    const queues = createJobQueues(app.redis, { attempts: opts.config.fanOut.attempts, log: app.log });
    app.decorate('jobs', queues);
    // Registered after the redis plugin, so this runs before Redis is quit (onClose runs in reverse).
    app.addHook('onClose', async () => queues.close());
  },
  { name: 'jobs', dependencies: ['redis'] },
);
