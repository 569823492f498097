import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { FeedscaleError } from '../../lib/errors.ts';
import { type DeployFile, checkRunId, deployLabels, yamlDocuments } from './deploy-common.ts';
import { LOADGEN_BASE_URL, LOADGEN_ROUTES, loadgenProxyConf } from './loadgen-proxy.ts';
import type { TestRun } from './testrun-schema.ts';

/** Folder of the TestRuns inside the output folder: one file per plan, plus the proxy's config. */
export const TESTRUN_DIR = 'testruns';
/** Where the k6-operator mounts the script's ConfigMap in the initializer and runner pods. */
export const K6_OPERATOR_SCRIPT_DIR = '/test';
export const SCRIPT_KEY = 'plan.k6.js';
export const PLAN_KEY = 'plan.json';
export const POPULATION_KEY = 'population.json';
export const LOADGEN_PROXY_CONFIGMAP = 'feedscale-loadgen-proxy';
/**
 * A ConfigMap holds at most 1 MiB; what we put in it stays below 1,000,000 bytes to leave
 * room for the object's metadata.
 */
export const CONFIGMAP_DATA_MAX_BYTES = 1_000_000;

export interface K6PlanInput {
  /** The plan's name (kebab-case): names its TestRun and ConfigMap. */
  name: string;
  /** The plan as the k6 script reads it (FEEDSCALE_PLAN): the effective plan, defaults filled. */
  planJson: string;
}

export interface K6TestRunOptions {
  runId: string;
  /** k6 runner pods; the operator splits the arrivals between them (execution segments). */
  parallelism: number;
  /** scenarios/k6/plan.k6.ts bundled into one file with k6/* left external. */
  script: string;
  /** The population the request generator draws from (FEEDSCALE_POPULATION). */
  populationJson: string;
  /** Request-stream seed (FEEDSCALE_SEED). */
  seed: number;
  /** Image of the initializer and runner pods (grafana/k6). */
  k6Image: string;
  /** Image of the loopback proxy sidecar: the stack's nginx image. */
  proxyImage: string;
}

export type K6Object = IConfigMap | TestRun;

export interface RenderedTestRuns {
  objects: K6Object[];
  files: DeployFile[];
}

function proxyConfigMap(runId: string): IConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: LOADGEN_PROXY_CONFIGMAP, labels: deployLabels(runId) },
    data: { 'nginx.conf': loadgenProxyConf() },
  };
}

/**
 * One k6-operator TestRun per plan, with the ConfigMap it runs from: the bundled script, the
 * plan and the population (the initializer pod, which runs the script's init context, mounts
 * only that ConfigMap, so everything the script opens is in it), and a shared ConfigMap with
 * the loopback proxy's configuration (loadgen-proxy.ts): each runner pod gets the proxy as a
 * native sidecar (an init container with restartPolicy Always; Kubernetes 1.29 or later) and
 * sends its load to BASE_URL on 127.0.0.1, which the proxy forwards to the nginx Service.
 * Pure: the CLI bundles the script, makes the population and writes the files.
 */
export function renderK6TestRuns(plans: readonly K6PlanInput[], options: K6TestRunOptions): RenderedTestRuns {
  checkRunId(options.runId);
  if (!Number.isInteger(options.parallelism) || options.parallelism < 1 || options.parallelism > 1000) {
    throw new FeedscaleError('CFG_ERR_INVALID', `parallelism must be an integer from 1 to 1000 (got ${options.parallelism})`);
  }
  if (!Number.isSafeInteger(options.seed)) throw new FeedscaleError('CFG_ERR_INVALID', `seed must be an integer (got ${options.seed})`);
  const labels = deployLabels(options.runId);
  const env = [
    { name: 'BASE_URL', value: LOADGEN_BASE_URL },
    { name: 'FEEDSCALE_PLAN', value: `${K6_OPERATOR_SCRIPT_DIR}/${PLAN_KEY}` },
    { name: 'FEEDSCALE_POPULATION', value: `${K6_OPERATOR_SCRIPT_DIR}/${POPULATION_KEY}` },
    { name: 'FEEDSCALE_SEED', value: String(options.seed) },
  ];
  const proxy = proxyConfigMap(options.runId);
  const objects: K6Object[] = [proxy];
  const files: DeployFile[] = [{ path: `${TESTRUN_DIR}/loadgen-proxy.yaml`, content: yamlDocuments([proxy], `the loopback proxy of every k6 runner pod (run ${options.runId})`) }];
  const seen = new Set<string>();
  for (const plan of plans) {
    if (!/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/.test(plan.name)) throw new FeedscaleError('CFG_ERR_INVALID', `plan name ${JSON.stringify(plan.name)} cannot name a TestRun (kebab-case, at most 42 characters)`);
    if (seen.has(plan.name)) throw new FeedscaleError('CFG_ERR_INVALID', `plan ${plan.name} appears twice`);
    seen.add(plan.name);
    const name = `feedscale-${plan.name}`;
    const data = { [SCRIPT_KEY]: options.script, [PLAN_KEY]: plan.planJson, [POPULATION_KEY]: options.populationJson };
    const bytes = Object.values(data).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    if (bytes > CONFIGMAP_DATA_MAX_BYTES) {
      throw new FeedscaleError(
        'CFG_ERR_INVALID',
        `the k6 ConfigMap of plan ${plan.name} would hold ${bytes} bytes (script ${Buffer.byteLength(options.script)}, population ${Buffer.byteLength(options.populationJson)}); a ConfigMap holds at most 1 MiB: use a smaller --scale`,
      );
    }
    const configMap: IConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-k6`, labels: { ...labels, 'feedscale.plan': plan.name } }, data };
    const testRun: TestRun = {
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name, labels: { ...labels, 'feedscale.plan': plan.name } },
      spec: {
        parallelism: options.parallelism,
        script: { configMap: { name: `${name}-k6`, file: SCRIPT_KEY } },
        // The initializer runs the script's init context (k6 archive, k6 inspect): same inputs.
        initializer: { image: options.k6Image, env, metadata: { labels } },
        runner: {
          image: options.k6Image,
          env,
          metadata: { labels },
          initContainers: [
            {
              name: 'loadgen-proxy',
              image: options.proxyImage,
              restartPolicy: 'Always',
              command: ['nginx', '-c', '/etc/feedscale/loadgen-proxy/nginx.conf', '-g', 'daemon off;'],
              volumeMounts: [{ name: 'loadgen-proxy', mountPath: '/etc/feedscale/loadgen-proxy', readOnly: true }],
            },
          ],
          volumes: [{ name: 'loadgen-proxy', configMap: { name: LOADGEN_PROXY_CONFIGMAP } }],
        },
      },
    };
    objects.push(configMap, testRun);
    files.push({
      path: `${TESTRUN_DIR}/${plan.name}.yaml`,
      content: yamlDocuments(
        [configMap, testRun],
        [
          `k6-operator TestRun for plan ${plan.name} (run ${options.runId}), ${options.parallelism} runner pod(s).`,
          `Load goes to ${LOADGEN_BASE_URL} in each runner pod; its proxy forwards ${LOADGEN_ROUTES.map((r) => `${r.listenPort} -> ${r.service}:${r.servicePort}`).join(', ')}.`,
          'Needs the k6-operator and Kubernetes 1.29 or later (native sidecars); the stack seeded with the same seed and scale.',
        ].join('\n'),
      ),
    });
  }
  return { objects, files };
}
