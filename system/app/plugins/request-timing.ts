import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RequestTiming } from '../request-timing.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Time this request spent in pg, redis, cache and s3; sent back as Server-Timing. */
    timing: RequestTiming;
  }
}

// Callback-style hooks: they run on every request and do no I/O, so an async function's promise
// and the microtask Fastify spends waiting on it would be pure overhead.
export const requestTimingPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('timing', null as unknown as RequestTiming);
    app.addHook('onRequest', (request, _reply, done) => {
      request.timing = new RequestTiming();
      done();
    });
    app.addHook('onSend', (request, reply, payload, done) => {
      // Requests rejected before onRequest (e.g. unparsable URLs) have no timer.
      if (request.timing) reply.header('Server-Timing', request.timing.header());
      done(null, payload);
    });
  },
  { name: 'request-timing' },
);
