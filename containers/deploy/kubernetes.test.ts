import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../service-spec.ts';
import { loadStackConfig } from '../stack-config.ts';
import { describeStack } from '../stack-description.ts';
import { K6_TEST_INPUTS, LOCAL_TEST_CATALOG, OFFICIAL_TEST_CATALOG } from './testing/fixtures.ts';
import { validateKubernetesObjects, validateTestRuns } from './testing/validate-manifests.ts';
import { renderK6TestRuns } from './k6-testrun.ts';
import { type KubernetesObject, cpuQuantity, readinessProbe, renderKubernetes } from './kubernetes.ts';
import { kubernetesPublicEndpoints } from './loadgen-proxy.ts';

function render(input: Record<string, unknown>, catalog = OFFICIAL_TEST_CATALOG) {
  const config = loadStackConfig(input);
  const specs = describeStack(config, catalog, kubernetesPublicEndpoints());
  return { config, specs, ...renderKubernetes(specs, config, { runId: 'r1' }) };
}

const ofKind = (objects: readonly KubernetesObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: readonly KubernetesObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name) as any;

describe('Kubernetes manifests', () => {
  const stacks: Array<[string, Record<string, unknown>]> = [
    ['the default stack', {}],
    ['12 shards x 25 app instances', { physicalShards: 12, appInstances: 25 }],
    ['replicas, 6 memcached, CPU quotas on every tier', { replicas: 1, readFromReplica: true, memcachedInstances: 6, cpus: { app: 0.5, postgres: 1, pgbouncer: 0.25, redis: 0.5, memcached: 0.25, nginx: 0.5 } }],
  ];

  it.each(stacks)('%s: every manifest is valid against the Kubernetes API schemas', (_name, input) => {
    const { objects, files } = render(input);
    expect(validateKubernetesObjects(objects)).toEqual([]);
    // The files say the same as the objects: parse them back and validate what kubectl would read.
    const parsed = files.flatMap((f) => parseAllDocuments(String(f.content)).map((d) => d.toJSON()));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(objects)));
    expect(validateKubernetesObjects(parsed)).toEqual([]);
  });

  it('gives 12 shards x 25 apps 12 pgbouncer Services, 12 Postgres StatefulSets and 25 app Deployments', () => {
    const { objects, files } = render({ physicalShards: 12, appInstances: 25 });
    const services = ofKind(objects, 'Service').map((s) => s.metadata!.name!);
    expect(services.filter((n) => /^pgbouncer-\d+$/.test(n))).toHaveLength(12);
    expect(ofKind(objects, 'StatefulSet').map((s) => s.metadata!.name)).toEqual(Array.from({ length: 12 }, (_, i) => `pg-${i}`));
    expect(ofKind(objects, 'Deployment').filter((d) => d.metadata!.name!.startsWith('app-'))).toHaveLength(25);
    // One file per service: 12 x (pg, pgbouncer) + redis, memcached, store, cdn, sink, 25 apps, 1 worker, nginx.
    expect(files).toHaveLength(12 * 2 + 5 + 25 + 1 + 1);
  });

  it('gives every service name the app and nginx use a Service, with the ports peers reach', () => {
    const { objects, specs } = render({ replicas: 1, readFromReplica: true });
    const services = new Map(ofKind(objects, 'Service').map((s: any) => [s.metadata.name, s.spec.ports.map((p: any) => p.port)]));
    expect([...services.keys()].sort()).toEqual(specs.map((s) => s.name).sort());
    expect(services.get('pgbouncer-0')).toEqual([6432]);
    expect(services.get('pg-0')).toEqual([5432]);
    expect(services.get('pg-1-replica')).toEqual([5432]);
    expect(services.get('redis')).toEqual([6379]);
    expect(services.get('memcached-0')).toEqual([11211]);
    expect(services.get('app-1')).toEqual([8080]);
    const app = JSON.parse(named(objects, 'Deployment', 'app-0').spec.template.spec.containers[0].env.find((e: any) => e.name === 'FEEDSCALE_APP_CONFIG').value);
    expect(app.shards[1]).toMatchObject({ host: 'pgbouncer-1', port: 6432, replica: { host: 'pg-1-replica', port: 5432 } });
    expect(app.redisUrl).toBe('redis://redis:6379');
  });

  it('runs Postgres and its replicas as StatefulSets and everything else as Deployments, all labelled like a Testcontainers run', () => {
    const { objects } = render({ replicas: 1 });
    expect(ofKind(objects, 'StatefulSet').map((s) => s.metadata!.name).sort()).toEqual(['pg-0', 'pg-0-replica', 'pg-1', 'pg-1-replica']);
    for (const object of objects) expect(object.metadata!.labels).toMatchObject({ 'feedscale.managed': 'true', 'feedscale.run': 'r1' });
    const app = named(objects, 'Deployment', 'app-0');
    expect(app.spec.template.metadata.labels).toEqual({ 'feedscale.managed': 'true', 'feedscale.run': 'r1', 'feedscale.service': 'app-0', 'feedscale.tier': 'app' });
    expect(app.spec.template.spec.containers[0].image).toBe(OFFICIAL_TEST_CATALOG.images.app);
  });

  it('puts the pgbouncer, nginx and CDN files in ConfigMaps mounted at their targets, binary files base64 in binaryData', () => {
    const { objects, specs } = render({});
    const cdn = named(objects, 'ConfigMap', 'cdn-files');
    expect(Object.keys(cdn.data)).toEqual(['nginx.conf']);
    expect(Buffer.from(cdn.binaryData['placeholder.jpg'], 'base64')).toEqual(specs.find((s) => s.name === 'cdn')!.files![1]!.content);
    expect(Object.keys(named(objects, 'ConfigMap', 'pgbouncer-1-files').data)).toEqual(['pgbouncer.ini', 'userlist.txt']);
    expect(named(objects, 'ConfigMap', 'pgbouncer-1-files').data['pgbouncer.ini']).toContain('feedscale = host=pg-1 port=5432');
    const pod = named(objects, 'Deployment', 'pgbouncer-1').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'files', mountPath: '/etc/feedscale/pgbouncer.ini', subPath: 'pgbouncer.ini', readOnly: true },
      { name: 'files', mountPath: '/etc/feedscale/userlist.txt', subPath: 'userlist.txt', readOnly: true },
    ]);
    expect(pod.volumes[0].configMap.items.map((i: any) => i.mode)).toEqual([0o644, 0o644]);
    expect(named(objects, 'ConfigMap', 'nginx-files').data['nginx.conf']).toMatch(/server app-1:8080/);
  });

  it('maps CPU quotas to requests and limits, tmpfs to a memory emptyDir, and user to a numeric securityContext', () => {
    const { objects } = render({ replicas: 1, cpus: { postgres: 1.5, app: 0.25 } });
    const replica = named(objects, 'StatefulSet', 'pg-0-replica').spec.template.spec;
    expect(replica.containers[0].resources).toEqual({ requests: { cpu: '1500m' }, limits: { cpu: '1500m' } });
    expect(replica.containers[0].securityContext).toEqual({ runAsUser: 999, runAsGroup: 999, runAsNonRoot: true });
    expect(replica.volumes).toEqual([{ name: 'tmpfs-0', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } }]);
    expect(named(objects, 'Deployment', 'worker-0').spec.template.spec.containers[0].resources.limits.cpu).toBe('250m');
    expect(named(objects, 'Deployment', 'redis').spec.template.spec.containers[0].resources).toBeUndefined();
    expect(cpuQuantity(0.0001)).toBe('1m');
  });

  it("keeps Docker's entrypoint as command and Docker's command as args", () => {
    const { objects } = render({ replicas: 1 });
    const pgbouncer = named(objects, 'Deployment', 'pgbouncer-0').spec.template.spec.containers[0];
    expect([pgbouncer.command, pgbouncer.args]).toEqual([['pgbouncer'], ['/etc/feedscale/pgbouncer.ini']]);
    const postgres = named(objects, 'StatefulSet', 'pg-0').spec.template.spec.containers[0];
    expect(postgres.command).toBeUndefined();
    expect(postgres.args[0]).toBe('postgres');
  });

  it('turns each kind of started probe into a readiness probe', () => {
    expect(readinessProbe({ kind: 'http', path: '/health', port: 8080 }, [8080])).toMatchObject({ httpGet: { path: '/health', port: 8080 } });
    expect(readinessProbe({ kind: 'command', command: 'pg_isready' }, [])).toMatchObject({ exec: { command: ['sh', '-c', 'pg_isready'] } });
    expect(readinessProbe({ kind: 'ports' }, [11211])).toMatchObject({ tcpSocket: { port: 11211 } });
    expect(readinessProbe({ kind: 'log', pattern: /Ready/ }, [6379])).toMatchObject({ tcpSocket: { port: 6379 } });
    expect(readinessProbe({ kind: 'log', pattern: /Ready/ }, [])).toBeUndefined();
  });

  it('refuses a user name it has no uid for (the local catalog), naming the service and the way out', () => {
    expect(() => render({ replicas: 1 }, LOCAL_TEST_CATALOG)).toThrow(/pg-0-replica runs as user "postgres".*--catalog official/);
    expect(validateKubernetesObjects(render({}, LOCAL_TEST_CATALOG).objects)).toEqual([]);
  });

  it('rejects invalid manifests: the validation is not a rubber stamp', () => {
    const { objects } = render({});
    const broken = structuredClone(objects) as any[];
    const app = broken.find((o) => o.kind === 'Deployment' && o.metadata.name === 'app-0');
    app.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    app.spec.template.spec.containers[0].resources = { limits: { cpu: 'lots' } };
    broken.find((o) => o.kind === 'Deployment' && o.metadata.name === 'redis').spec.template.spec.containers[0].name = undefined;
    broken.find((o) => o.kind === 'Service' && o.metadata.name === 'nginx').metadata.name = 'Nginx_Edge';
    broken.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pgbouncer-0-files').metadata.labels['feedscale.run'] = 'x'.repeat(64);
    broken.find((o) => o.kind === 'StatefulSet').spec.selector.matchLabels['feedscale.service'] = 'someone-else';
    const issues = validateKubernetesObjects(broken);
    const where = issues.map((i) => `${i.object}${i.path}`);
    expect(where).toEqual(
      expect.arrayContaining([
        'Deployment/app-0/spec/template/spec/containers/0/ports/0/containerPort',
        'Deployment/app-0/spec/template/spec/containers/0/resources/limits/cpu',
        'Deployment/redis/spec/template/spec/containers/0',
        'Service/Nginx_Edge/metadata/name',
        'ConfigMap/pgbouncer-0-files/metadata/labels/feedscale.run',
        'StatefulSet/pg-0/spec/selector',
      ]),
    );
    expect(validateKubernetesObjects([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }])[0]!.message).toMatch(/no schema/);
  });

  it('renders the stack and the TestRuns for 12 shards x 25 apps within the API limits', () => {
    const { files } = render({ physicalShards: 12, appInstances: 25 });
    const testRuns = renderK6TestRuns([{ name: 'feed-read', planJson: '{"name":"feed-read"}' }], { runId: 'r1', parallelism: 4, ...K6_TEST_INPUTS });
    expect(validateTestRuns(testRuns.objects.filter((o) => o.kind === 'TestRun'))).toEqual([]);
    expect(validateKubernetesObjects(testRuns.objects.filter((o) => o.kind === 'ConfigMap'))).toEqual([]);
    for (const file of files) expect(Buffer.byteLength(file.content)).toBeLessThan(64 * 1024);
  });

  it('renders the same text for the same input (manifests are diffable)', () => {
    const specs: ServiceSpec[] = render({}).specs;
    const config = loadStackConfig({});
    expect(renderKubernetes(specs, config, { runId: 'r1' }).files).toEqual(renderKubernetes(specs, config, { runId: 'r1' }).files);
  });
});
