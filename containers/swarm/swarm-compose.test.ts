import { describe, expect, it } from 'vitest';
import { renderCompose, swarmPublicEndpoints } from '../deploy/compose.ts';
import { LOCAL_TEST_CATALOG } from '../deploy/testing/fixtures.ts';
import { validateCompose } from '../deploy/testing/validate-manifests.ts';
import { loadStackConfig } from '../stack-config.ts';
import { describeStack } from '../stack-description.ts';
import { SWARM_PHASES, candidatePortBases, composeForRun, composeUpTo, publishedPorts, stackName } from './swarm-compose.ts';

function rendered(input: Record<string, unknown>, portBase = 18_000) {
  const config = loadStackConfig(input);
  const specs = describeStack(config, LOCAL_TEST_CATALOG, swarmPublicEndpoints({ portBase }));
  return { specs, compose: renderCompose(specs, config, { runId: 'r1', portBase }).compose };
}

describe('the Compose file of a Swarm run', () => {
  it('deploys in three phases, each a valid Compose file holding the phases before it', () => {
    const { specs, compose } = rendered({ replicas: 1, cache: 'memcached', memcachedInstances: 2 });
    const [infrastructure, apps, edge] = SWARM_PHASES.map((phase) => composeUpTo(compose, specs, phase));
    for (const phase of [infrastructure, apps, edge]) expect(validateCompose(phase!)).toEqual([]);
    expect(Object.keys(infrastructure!.services).sort()).toEqual(
      ['memcached-0', 'memcached-1', 'notification-sink', 'objectstore', 'pg-0', 'pg-0-replica', 'pg-1', 'pg-1-replica', 'pgbouncer-0', 'pgbouncer-1', 'redis'].sort(),
    );
    // nginx and the CDN resolve their upstreams when they start: never before those exist.
    expect(Object.keys(apps!.services)).toEqual(expect.arrayContaining(['cdn', 'app-0', 'app-1', 'worker-0']));
    expect(apps!.services.nginx).toBeUndefined();
    expect(edge).toEqual(compose);
  });

  it('creates only the configs the phase mounts', () => {
    const { specs, compose } = rendered({});
    const infrastructure = composeUpTo(compose, specs, 'infrastructure');
    expect(Object.keys(infrastructure.configs).every((name) => name.startsWith('pgbouncer-'))).toBe(true);
    expect(Object.keys(composeUpTo(compose, specs, 'apps').configs).some((name) => name.startsWith('cdn-'))).toBe(true);
  });

  it('puts the run labels on every service, task container, network and config, and keeps CPU limits without reservations', () => {
    const { compose } = rendered({ cpus: { app: 0.5 } });
    const labels = { 'feedscale.run': 'r1', 'feedscale.suite': 's1' };
    const run = composeForRun(compose, labels);
    expect(validateCompose(run)).toEqual([]);
    for (const service of Object.values(run.services)) {
      expect(service.labels).toMatchObject(labels);
      expect(service.deploy.labels).toMatchObject(labels);
      expect(service.deploy.resources?.reservations).toBeUndefined();
    }
    expect(run.services['app-0']!.deploy.resources).toEqual({ limits: { cpus: '0.5' } });
    for (const network of Object.values(run.networks)) expect(network.labels).toMatchObject(labels);
    for (const config of Object.values(run.configs)) expect(config.labels).toMatchObject(labels);
  });

  it('publishes every port within 1000 of the base, so port bases 1000 apart never collide', () => {
    const { specs } = rendered({ physicalShards: 16, appInstances: 32, workers: 32, memcachedInstances: 8, replicas: 1 });
    const ports = publishedPorts(specs, 20_000);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...ports)).toBeLessThan(21_000);
    expect(new Set(ports).size).toBe(ports.length);
    expect(candidatePortBases(18_000).slice(0, 3)).toEqual([18_000, 19_000, 20_000]);
    expect(candidatePortBases(18_000).at(-1)).toBe(31_000);
    expect(stackName('ab12cd34')).toBe('feedscale-ab12cd34');
  });
});
