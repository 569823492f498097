import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../stack-config.ts';
import { describeStack } from '../stack-description.ts';
import { COMPOSE_FILE, ENDPOINTS_FILE, publishedPort, renderCompose, swarmPublicEndpoints } from './compose.ts';
import { OFFICIAL_TEST_CATALOG } from './testing/fixtures.ts';
import { validateCompose } from './testing/validate-manifests.ts';

function render(input: Record<string, unknown>, options: { portBase?: number; publicHost?: string } = {}) {
  const config = loadStackConfig(input);
  const specs = describeStack(config, OFFICIAL_TEST_CATALOG, swarmPublicEndpoints(options));
  return { config, specs, ...renderCompose(specs, config, { runId: 'r1', ...options }) };
}

describe('Compose file for docker stack deploy', () => {
  it.each([
    ['the default stack', {}],
    ['12 shards x 25 app instances', { physicalShards: 12, appInstances: 25 }],
    ['the largest stack the schema allows', { physicalShards: 16, appInstances: 32, workers: 32, memcachedInstances: 8, replicas: 1, cpus: { app: 0.5, nginx: 1 } }],
  ])('%s: the file is valid Compose 3.8 as docker stack deploy reads it', (_name, input) => {
    const { compose, files } = render(input);
    expect(validateCompose(compose)).toEqual([]);
    const written = parse(String(files.find((f) => f.path === COMPOSE_FILE)!.content));
    expect(written).toEqual(JSON.parse(JSON.stringify(compose)));
    expect(validateCompose(written)).toEqual([]);
  });

  it('gives 12 shards x 25 apps a service each, every entry point published once in host mode', () => {
    const { compose, endpoints } = render({ physicalShards: 12, appInstances: 25 });
    const names = Object.keys(compose.services);
    expect(names.filter((n) => n.startsWith('pgbouncer-'))).toHaveLength(12);
    expect(names.filter((n) => /^app-\d+$/.test(n))).toHaveLength(25);
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.every((p) => p.mode === 'host')).toBe(true);
    expect(new Set(ports.map((p) => p.published)).size).toBe(ports.length);
    // Everything the harness reaches is published: nginx, each pgbouncer, redis, memcached, store, CDN, sink, workers, apps.
    expect(Object.keys(endpoints.published).sort()).toEqual(names.filter((n) => !/^pg-\d+/.test(n)).sort());
    expect(endpoints.published['pgbouncer-11']).toEqual({ '6432': 18_111 });
    expect(endpoints.baseUrl).toBe('http://127.0.0.1:18000');
  });

  it('hands out the object store and CDN at their published ports on the public host', () => {
    const { compose, endpoints, files } = render({}, { portBase: 20_000, publicHost: 'swarm-1.example' });
    const app = JSON.parse(compose.services['app-0']!.environment!.FEEDSCALE_APP_CONFIG!) as { objectStore: { publicEndpoint: string }; cdn: { baseUrl: string } };
    expect(app.objectStore.publicEndpoint).toBe(`http://swarm-1.example:${compose.services.objectstore!.ports![0]!.published}`);
    expect(app.cdn.baseUrl).toBe(endpoints.cdnUrl);
    expect(endpoints.cdnUrl).toBe(`http://swarm-1.example:${publishedPort({ name: 'cdn', tier: 'cdn' }, 0, 20_000)}`);
    expect(JSON.parse(String(files.find((f) => f.path === ENDPOINTS_FILE)!.content))).toEqual(endpoints);
  });

  it('puts each file in a Swarm config written beside the compose file, named by its content', () => {
    const { compose, files, specs } = render({});
    const pgbouncer = compose.services['pgbouncer-0']!;
    expect(pgbouncer.configs!.map((c) => [c.target, c.mode])).toEqual([
      ['/etc/feedscale/pgbouncer.ini', 0o644],
      ['/etc/feedscale/userlist.txt', 0o644],
    ]);
    const source = pgbouncer.configs![0]!.source;
    expect(compose.configs[source]!.file).toBe('./configs/pgbouncer-0/pgbouncer.ini');
    expect(files.find((f) => f.path === 'configs/pgbouncer-0/pgbouncer.ini')!.content).toBe(specs.find((s) => s.name === 'pgbouncer-0')!.files![0]!.content);
    expect(Buffer.isBuffer(files.find((f) => f.path === 'configs/cdn/placeholder.jpg')!.content)).toBe(true);
    // Another pool size is another config: Swarm cannot change one in place.
    const other = render({ pgbouncerPoolSize: 7 }).compose.services['pgbouncer-0']!.configs![0]!.source;
    expect(other).not.toBe(source);
  });

  it('maps quotas, tmpfs, user, aliases, placement and labels', () => {
    const { compose } = render({ replicas: 1, cpus: { postgres: 1.5, app: 0.25 } });
    const replica = compose.services['pg-0-replica']!;
    expect(replica.deploy.resources).toEqual({ limits: { cpus: '1.5' }, reservations: { cpus: '1.5' } });
    expect(replica.volumes).toEqual([{ type: 'tmpfs', target: '/dev/shm', tmpfs: { size: 256 * 1024 * 1024 } }]);
    expect(replica.user).toBe('postgres');
    expect(replica.networks).toEqual({ feedscale: { aliases: ['pg-0-replica'] } });
    expect(replica.deploy.placement.constraints).toEqual(['node.labels.feedscale.replica == true']);
    expect(compose.services['app-3'] ?? compose.services['app-1']!).toMatchObject({ deploy: { placement: { constraints: ['node.labels.feedscale.app == true'] } } });
    expect(compose.services.redis!.deploy.resources).toBeUndefined();
    expect(compose.services.nginx!.labels).toEqual({ 'feedscale.managed': 'true', 'feedscale.run': 'r1', 'feedscale.service': 'nginx', 'feedscale.tier': 'nginx' });
    expect(compose.networks.feedscale).toEqual({ driver: 'overlay', attachable: true, labels: { 'feedscale.managed': 'true', 'feedscale.run': 'r1' } });
  });

  it('runs command probes as healthchecks, given the startup timeout to start', () => {
    const { compose } = render({ startupTimeoutS: 300 });
    expect(compose.services['pg-0']!.healthcheck).toEqual({
      test: ['CMD-SHELL', 'pg_isready -h 127.0.0.1 -p 5432 -U feedscale -d feedscale'],
      interval: '2s',
      timeout: '5s',
      retries: 3,
      start_period: '300s',
    });
    expect(compose.services['app-0']!.healthcheck).toBeUndefined();
  });

  it('escapes $ so that docker stack deploy does not interpolate it', () => {
    const config = loadStackConfig({});
    const specs = describeStack(config, OFFICIAL_TEST_CATALOG, swarmPublicEndpoints()).map((s) => (s.name === 'redis' ? { ...s, environment: { MOTD: 'costs $5' } } : s));
    expect(renderCompose(specs, config, { runId: 'r1' }).compose.services.redis!.environment).toEqual({ MOTD: 'costs $$5' });
  });

  it('rejects what docker stack deploy would refuse or silently drop', () => {
    const { compose } = render({});
    const broken = structuredClone(compose) as any;
    broken.services.nginx.ports[0].host_ip = '127.0.0.1';
    broken.services.redis.tmpfs = ['/data'];
    broken.services['app-0'].deploy.resources = { limits: { cpus: 0.5 } };
    broken.services['pg-0'].healthcheck.interval = 'two seconds';
    delete broken.services['memcached-0'].image;
    const paths = validateCompose(broken).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/services/nginx/ports/0/host_ip',
        '/services/redis/tmpfs',
        '/services/app-0/deploy/resources/limits/cpus',
        '/services/pg-0/healthcheck/interval',
        '/services/memcached-0/image',
      ]),
    );
  });

  it('refuses a port base that would publish past 65535, and a bad run id', () => {
    expect(() => render({}, { portBase: 65_200 })).toThrow(/port base/);
    const config = loadStackConfig({});
    expect(() => renderCompose([], config, { runId: 'Not A Label' })).toThrow(/run id/);
  });
});
