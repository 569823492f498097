import Dockerode from 'dockerode';
import { inject } from 'vitest';
import { ensureDockerEngine } from '../../../containers/docker/engine.ts';
import { RUN_LABEL } from '../../../containers/docker/labels.ts';
import { loadStackConfig, type StackConfig } from '../../../containers/stack-config.ts';
import { createLogger } from '../../../lib/logger.ts';
import type { RunResult } from '../../../lib/result-schema.ts';
import { loadPlan } from '../../../scenarios/plans/load-plan.ts';
import { type Plan, validatePlan } from '../../../scenarios/plans/plan-schema.ts';
import { generateDataset } from '../../../scenarios/workload/dataset.ts';
import { createWorkloadModel } from '../../../scenarios/workload/model.ts';
import { createProgress } from '../../progress.ts';
import { runOne } from '../../run-one.ts';

/** Small enough that a stack seeds in seconds on a 2-core machine: 700 users. */
const WORKLOAD = { scaleFactor: 1 / 20_000 };
const SEED = 2011;

/**
 * Runs a bundled fault plan, shortened, through the main job's own runOne (stack started, seeded,
 * loaded with the plan's faults, audited, torn down) on a small stack of the test's own, and
 * says which containers of the run are left afterwards. Integration tests only.
 */
export async function runFaultPlan(
  name: string,
  planOverrides: Partial<Plan>,
  stackOverrides: Partial<StackConfig>,
): Promise<{ result: RunResult; runIds: string[]; leftovers: number }> {
  const shared = inject('stack');
  const log = createLogger(process.env.FEEDSCALE_LOG_LEVEL ?? 'info');
  const engine = await ensureDockerEngine(createLogger('silent'));
  const plan = validatePlan({ ...structuredClone(await loadPlan(name)), ...planOverrides }, `plan ${name} for the test`);
  const stack = loadStackConfig({ ...shared.config, physicalShards: 1, logicalShards: 4, cache: 'off', ...stackOverrides });
  const dataset = generateDataset(createWorkloadModel(WORKLOAD), { seed: SEED, logicalShards: stack.logicalShards });
  const seen: string[] = [];
  // Every run ID runOne registers (it removes them again once torn down): the leftovers check needs them.
  const track = new (class extends Set<string> {
    override add(id: string): this {
      seen.push(id);
      return super.add(id);
    }
  })();
  const result = await runOne(
    {
      label: name,
      configuration: { name: 'test', description: '', stack },
      plan,
      repeat: 0,
      attempt: 0,
      dataset,
      workload: WORKLOAD,
      seed: SEED,
      streamSeed: SEED,
    },
    { engine, catalog: shared.catalog, log, progress: createProgress(log, false), signal: new AbortController().signal, runIds: track },
  );
  const docker = new Dockerode();
  let leftovers = 0;
  for (const id of seen) leftovers += (await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${id}`] } })).length;
  return { result, runIds: seen, leftovers };
}
