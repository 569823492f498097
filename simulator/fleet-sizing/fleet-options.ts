import { Type, type Static } from '@sinclair/typebox';

/**
 * Host sizes and targets of the scale-up prediction (`feedscale simulate --users N`). Defaults
 * are the 2011 instance types (docs/facts.md "Host sizes"): c1.xlarge app servers, m2.4xlarge
 * Postgres and Redis; memcached hosts were not published, so theirs are an assumption.
 */
export const FleetOptionsSchema = Type.Object(
  {
    users: Type.Integer({ minimum: 1, description: 'Users to serve at 2011 peak per-user rates (docs/facts.md: 14M in Dec 2011).' }),
    appHostCores: Type.Integer({ minimum: 1, default: 8, description: 'Cores per app host: c1.xlarge, 8 vCPU (one Node process per core).' }),
    postgresHostCores: Type.Integer({ minimum: 1, default: 8, description: 'Cores per Postgres host: m2.4xlarge, 8 vCPU.' }),
    postgresHostMemoryGb: Type.Number({ exclusiveMinimum: 0, default: 68.4, description: 'Memory per Postgres host, GB (m2.4xlarge): the working set is kept in RAM (2011).' }),
    postgresMemoryShare: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.75, description: 'Share of a Postgres host’s memory for data (shared buffers + page cache). Assumption.' }),
    redisHostMemoryGb: Type.Number({ exclusiveMinimum: 0, default: 68.4, description: 'Memory per Redis host, GB (m2.4xlarge).' }),
    redisMemoryShare: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.6, description: 'Share of a Redis host’s memory for data (fork for persistence needs headroom). Assumption.' }),
    memcachedHostMemoryGb: Type.Number({ exclusiveMinimum: 0, default: 15, description: 'Memory per memcached host, GB. Assumption (2011 size unpublished; m1.xlarge has 15 GB).' }),
    memcachedHostCores: Type.Integer({ minimum: 1, default: 4, description: 'Cores per memcached host. Assumption.' }),
    nginxHostCores: Type.Integer({ minimum: 1, default: 8 }),
    workerHostCores: Type.Integer({ minimum: 1, default: 8 }),
    targetHitRatio: Type.Number({ minimum: 0, maximum: 0.999, default: 0.9, description: 'memcached is sized to reach this steady-state hit ratio on feed hydration. Assumption.' }),
    maxUtilisation: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.7, description: 'Highest CPU utilisation a tier is sized to (headroom for peaks and failures).' }),
    sloP99Ms: Type.Number({ exclusiveMinimum: 0, default: 250, description: 'p99 every endpoint must meet (the plans’ default SLO).' }),
    coreSpeedVs2011: Type.Number({
      exclusiveMinimum: 0,
      default: 2,
      description:
        'How much faster a core of the calibration machine is than a 2011 EC2 vCPU (c1.xlarge: 2.5 ECU per vCPU, ~1 GHz 2007 Xeon each). Assumption: applied when the fleet is stated in 2011 hosts.',
    }),
  },
  { additionalProperties: false },
);
export type FleetOptions = Static<typeof FleetOptionsSchema>;

/** The 2011 fleet (docs/facts.md, "What Powers Instagram"). */
export const FLEET_2011 = Object.freeze({
  nginx: { hosts: 3, source: '3 nginx behind the ELB' },
  app: { hosts: 25, cores: 8, source: '25+ Django app servers, c1.xlarge (8 vCPU)' },
  postgres: { hosts: 12, cores: 8, memoryGb: 68.4, source: '12 Postgres primaries, m2.4xlarge (+12 streaming replicas)' },
  memcached: { hosts: 6, source: '6 memcached instances' },
  redis: { hosts: null as number | null, source: 'Redis for feeds, activity, sessions: host count unpublished (several, master-replica)' },
  worker: { hosts: null as number | null, processes: 200, source: '~200 Gearman workers' },
});
