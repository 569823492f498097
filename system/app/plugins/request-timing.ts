import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RequestTiming } from '../request-timing.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Time this request spent in pg, redis, cache and s3; sent back as Server-Timing. */
    timing: RequestTiming;
  }
}

export const requestTimingPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('timing', null as unknown as RequestTiming);
    app.addHook('onRequest', async (request) => {
      request.timing = new RequestTiming();
    });
    app.addHook('onSend', async (request, reply) => {
      // Requests rejected before onRequest (e.g. unparsable URLs) have no timer.
      if (request.timing) reply.header('Server-Timing', request.timing.header());
    });
  },
  { name: 'request-timing' },
);
