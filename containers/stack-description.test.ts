import type Dockerode from 'dockerode';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import type { DockerEngine } from './docker/engine.ts';
import { OBJECT_STORE_FLAVOURS, OFFICIAL_IMAGES, type ResolvedCatalog } from './images/image-catalog.ts';
import type { ServiceSpec } from './service-spec.ts';
import { describeStack } from './stack-description.ts';
import { type StackConfig, loadStackConfig } from './stack-config.ts';
import { startStack } from './stack.ts';

// The tiers start services through startService; here it only records what it was given and
// answers with a fake container whose mapped port is the container port + 40000.
const started = vi.hoisted(() => [] as ServiceSpec[]);
vi.mock('./testcontainers/start-service.ts', () => ({
  startService: async (spec: ServiceSpec) => {
    started.push(spec);
    return { getMappedPort: (port: number) => 40_000 + port };
  },
}));
vi.mock('./readiness.ts', () => ({
  retryUntil: async (_what: string, _timeoutMs: number, attempt: () => Promise<unknown>) => attempt(),
  checkPostgresQuery: async () => undefined,
  checkRedisPing: async () => undefined,
  checkMemcached: async () => undefined,
  checkHttpOk: async () => undefined,
  ensureBucket: async () => undefined,
}));
vi.mock('./shard-schemas.ts', () => ({ createShardSchemas: async () => undefined }));
vi.mock('./docker/cleanup.ts', () => ({
  sweepRun: async () => ({ containers: [], networks: [] }),
  containerLogTail: async () => '',
}));

const catalogs: ResolvedCatalog[] = [
  {
    requested: 'official',
    kind: 'official',
    reason: 'test',
    images: { ...OFFICIAL_IMAGES, app: 'feedscale/app:test' },
    objectStore: OBJECT_STORE_FLAVOURS.official,
  },
  {
    requested: 'local',
    kind: 'local',
    reason: 'test',
    images: {
      postgres: 'feedscale/postgres:t',
      pgbouncer: 'feedscale/pgbouncer:t',
      redis: 'feedscale/redis:t',
      memcached: 'feedscale/memcached:t',
      nginx: 'feedscale/nginx:t',
      objectstore: 'feedscale/objectstore:t',
      app: 'feedscale/app:t',
    },
    objectStore: OBJECT_STORE_FLAVOURS.local,
  },
];

const engine = { docker: { createNetwork: async () => ({}) } as unknown as Dockerode, endpoint: 'fake', serverVersion: '0', actions: [] } satisfies DockerEngine;

async function specsStartedByTheTiers(config: Readonly<StackConfig>, catalog: ResolvedCatalog): Promise<ServiceSpec[]> {
  started.length = 0;
  const stack = await startStack(config, { engine, catalog, log: createLogger({ level: 'silent' }), runId: 'test' });
  await stack.stop();
  return [...started];
}

const byName = (specs: readonly ServiceSpec[]) => new Map(specs.map((s) => [s.name, s]));

describe('describeStack', () => {
  beforeEach(() => {
    started.length = 0;
  });

  const configs: Array<[string, Record<string, unknown>]> = [
    ['the default stack', {}],
    ['12 shards x 25 app instances', { physicalShards: 12, appInstances: 25 }],
    [
      'every switch away from its default',
      {
        physicalShards: 3,
        logicalShards: 24,
        appInstances: 3,
        workers: 2,
        memcachedInstances: 3,
        replicas: 1,
        readFromReplica: true,
        fanOut: 'sync',
        readTimeMergeAboveFollowers: 500,
        injectFeedReadDelayMs: 20,
        pgbouncerPoolSize: 7,
        appPgPoolMax: 4,
        memcachedMemoryMb: 64,
        cpus: { app: 0.5, postgres: 1, pgbouncer: 0.25, redis: 0.5, memcached: 0.25, nginx: 0.5 },
      },
    ],
    ['no cache and no workers', { cache: 'off', fanOut: 'sync', workers: 0 }],
  ];

  for (const catalog of catalogs) {
    it.each(configs)(`gives the same services the tiers start, field for field: %s (${catalog.kind} catalog)`, async (_name, input) => {
      const config = loadStackConfig(input);
      const fromTiers = await specsStartedByTheTiers(config, catalog);
      // What startStack hands the app tier: the store and the CDN at their mapped loopback ports.
      const described = describeStack(config, catalog, { objectStoreUrl: 'http://127.0.0.1:49000', cdnUrl: 'http://127.0.0.1:40080' });
      expect([...byName(described).keys()].sort()).toEqual([...byName(fromTiers).keys()].sort());
      expect(new Set(described.map((s) => s.name)).size).toBe(described.length);
      for (const [name, spec] of byName(fromTiers)) expect(byName(described).get(name), name).toEqual(spec);
    });
  }

  it('counts one Postgres, pgbouncer and replica per physical shard and one app per instance', () => {
    const config = loadStackConfig({ physicalShards: 12, appInstances: 25, replicas: 1, memcachedInstances: 6 });
    const specs = describeStack(config, catalogs[0]!, { objectStoreUrl: 'http://127.0.0.1:9000', cdnUrl: 'http://127.0.0.1:8081' });
    const count = (tier: ServiceSpec['tier']) => specs.filter((s) => s.tier === tier).length;
    expect([count('postgres'), count('pgbouncer'), count('postgres-replica'), count('app'), count('memcached'), count('worker')]).toEqual([12, 12, 12, 25, 6, 1]);
    expect(specs.at(-1)!.name).toBe('nginx');
  });
});
