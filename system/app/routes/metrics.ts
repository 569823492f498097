import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/metrics',
    { schema: { response: { 200: Type.String({ description: 'Prometheus text exposition format' }) } } },
    async (_request, reply) => {
      const text = await app.metrics.metrics();
      return reply.type(app.metrics.contentType).send(text);
    },
  );
}
