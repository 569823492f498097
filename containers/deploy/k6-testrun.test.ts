import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIGMAP_DATA_MAX_BYTES, LOADGEN_PROXY_CONFIGMAP, renderK6TestRuns } from './k6-testrun.ts';
import { LOADGEN_ROUTES, kubernetesPublicEndpoints, loadgenProxyConf } from './loadgen-proxy.ts';
import { K6_TEST_INPUTS } from './testing/fixtures.ts';
import { validateKubernetesObjects, validateTestRuns } from './testing/validate-manifests.ts';

const PLANS = ['feed-read', 'like-storm', 'mixed', 'ramp', 'upload'].map((name) => ({ name, planJson: JSON.stringify({ name, durationS: 20 }) }));

function render(parallelism = 3) {
  return renderK6TestRuns(PLANS, { runId: 'r1', parallelism, ...K6_TEST_INPUTS });
}

describe('k6-operator TestRuns', () => {
  it('gives each plan a TestRun valid against the CRD schema, and each ConfigMap is valid Kubernetes', () => {
    const { objects, files } = render();
    const testRuns = objects.filter((o) => o.kind === 'TestRun');
    expect(testRuns.map((t) => t.metadata!.name)).toEqual(PLANS.map((p) => `feedscale-${p.name}`));
    expect(validateTestRuns(testRuns)).toEqual([]);
    expect(validateKubernetesObjects(objects.filter((o) => o.kind === 'ConfigMap'))).toEqual([]);
    const parsed = files.flatMap((f) => parseAllDocuments(String(f.content)).map((d) => d.toJSON()));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(objects)));
  });

  it('runs the plan script from a ConfigMap with the plan and the population, on N runners, with the plan inputs in the environment', () => {
    const { objects } = render(4);
    const testRun = objects.find((o) => o.kind === 'TestRun' && o.metadata!.name === 'feedscale-mixed') as any;
    expect(testRun.spec.parallelism).toBe(4);
    expect(testRun.spec.script).toEqual({ configMap: { name: 'feedscale-mixed-k6', file: 'plan.k6.js' } });
    const configMap = objects.find((o) => o.metadata!.name === 'feedscale-mixed-k6') as any;
    expect(configMap.data).toEqual({ 'plan.k6.js': K6_TEST_INPUTS.script, 'plan.json': PLANS[2]!.planJson, 'population.json': K6_TEST_INPUTS.populationJson });
    const env = Object.fromEntries(testRun.spec.runner.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toEqual({ BASE_URL: 'http://127.0.0.1:8080', FEEDSCALE_PLAN: '/test/plan.json', FEEDSCALE_POPULATION: '/test/population.json', FEEDSCALE_SEED: '2011006033' });
    // The initializer runs the script's init context too, which reads the same inputs.
    expect(testRun.spec.initializer.env).toEqual(testRun.spec.runner.env);
    expect(testRun.spec.runner.image).toBe('grafana/k6:1.3.0');
  });

  it('sends the load to loopback, where a sidecar proxy forwards it to the nginx Service', () => {
    const { objects } = render();
    const runner = (objects.find((o) => o.kind === 'TestRun') as any).spec.runner;
    expect(runner.initContainers).toEqual([expect.objectContaining({ name: 'loadgen-proxy', restartPolicy: 'Always', image: K6_TEST_INPUTS.proxyImage })]);
    expect(runner.volumes).toEqual([{ name: 'loadgen-proxy', configMap: { name: LOADGEN_PROXY_CONFIGMAP } }]);
    const conf = loadgenProxyConf();
    for (const route of LOADGEN_ROUTES) {
      expect(conf).toContain(`listen 127.0.0.1:${route.listenPort};`);
      expect(conf).toContain(`server ${route.service}:${route.servicePort};`);
    }
    // What the app hands out in the cluster is what the proxy serves.
    expect(kubernetesPublicEndpoints()).toEqual({ objectStoreUrl: 'http://127.0.0.1:9000', cdnUrl: 'http://127.0.0.1:8081' });
    expect(conf).toContain('proxy_set_header Host $http_host;');
  });

  it('refuses a ConfigMap past 1 MiB, a plan twice, and a parallelism below 1', () => {
    const big = 'x'.repeat(CONFIGMAP_DATA_MAX_BYTES);
    expect(() => renderK6TestRuns(PLANS, { runId: 'r1', parallelism: 1, ...K6_TEST_INPUTS, populationJson: big })).toThrow(/at most 1 MiB.*--scale/);
    expect(() => renderK6TestRuns([PLANS[0]!, PLANS[0]!], { runId: 'r1', parallelism: 1, ...K6_TEST_INPUTS })).toThrow(/twice/);
    expect(() => renderK6TestRuns(PLANS, { runId: 'r1', parallelism: 0, ...K6_TEST_INPUTS })).toThrow(/parallelism/);
  });

  it('rejects TestRuns the CRD would refuse: the validation is not a rubber stamp', () => {
    const testRun = structuredClone(render().objects.find((o) => o.kind === 'TestRun')) as any;
    testRun.spec.parallelism = '3';
    testRun.spec.paralelism = 3;
    testRun.spec.cleanup = 'always';
    testRun.spec.runner.initContainers[0].restartPolicy = 'OnFailure';
    testRun.spec.runner.env[0].valueFrm = 'typo';
    delete testRun.spec.script;
    testRun.metadata.labels['feedscale.plan'] = 'Not A Label Value!';
    const paths = validateTestRuns([testRun]).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/spec/parallelism',
        '/spec/paralelism',
        '/spec/cleanup',
        '/spec/runner/initContainers/0/restartPolicy',
        '/spec/runner/env/0/valueFrm',
        '/spec/script',
        '/metadata/labels/feedscale.plan',
      ]),
    );
  });
});
