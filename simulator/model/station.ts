import { Type, type Static } from '@sinclair/typebox';

/**
 * A service centre on a host: a tier instance (nginx, a Node app process group, pgbouncer,
 * Postgres, Redis, memcached, a worker pool...). Jobs wait FCFS for one of `threads`; a job on a
 * thread consumes its CPU demand on the host's cores (processor sharing with everything else in
 * CPU service on that host), then any delay.
 */
export const StationSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    tier: Type.String({ minLength: 1, description: "What it models, e.g. 'nginx', 'app', 'pgbouncer', 'postgres', 'redis', 'memcached', 'objectstore', 'worker'." }),
    hostId: Type.String({ minLength: 1, description: 'The host (group) it runs on; replicated with it.' }),
    threads: Type.Integer({
      minimum: 1,
      default: 1,
      description: 'Jobs in service at once: 1 for a Node event loop or Redis, N for Postgres backends or worker processes.',
    }),
    discipline: Type.Union([Type.Literal('fcfs'), Type.Literal('ps')], {
      default: 'fcfs',
      description:
        "'fcfs': at most `threads` jobs in service, the rest wait first-come first-served. 'ps': no thread limit; every " +
        'job is in service at once and shares the host cores (processor sharing, e.g. a kernel-scheduled thread per request).',
    }),
  },
  { additionalProperties: false },
);
export type Station = Static<typeof StationSchema>;
