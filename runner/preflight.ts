import { access, constants as fsConstants, mkdir } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import { FeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { locateK6, resolveK6Script } from '../scenarios/drivers/k6-runner.ts';
import type { Plan } from '../scenarios/plans/plan-schema.ts';
import type { StackConfig } from '../containers/stack-config.ts';
import { checkFaultTargets } from './faults/fault-targets.ts';

/**
 * The output folder exists (or can be made) and is writable: checked before anything starts,
 * so a typo in --out never costs a stack start, a seeding and a run.
 */
export async function checkOutputFolder(outDir: string): Promise<void> {
  try {
    await mkdir(outDir, { recursive: true });
    await access(outDir, fsConstants.W_OK);
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `/outDir (--out): cannot write to ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * What the plans need to run, before the first container starts: the k6 entry script and a k6
 * (binary on PATH or the grafana/k6 image) for every plan with `"driver": "k6"`. The plans
 * themselves were validated when loaded.
 */
export async function checkDrivers(plans: readonly Plan[], docker: Dockerode, log: Logger): Promise<void> {
  const k6Plans = plans.filter((p) => p.driver === 'k6');
  if (k6Plans.length === 0) return;
  resolveK6Script();
  const located = await locateK6({ docker });
  log.info(`k6 for plan(s) ${k6Plans.map((p) => p.name).join(', ')}: ${located.via === 'binary' ? located.path : `image ${located.image}`}`);
}

/**
 * Every plan's faults can run on every configuration's stack (the target exists: the app
 * instance, the worker, the memcached instance, the replica to promote, the tier for netem),
 * checked before any container starts: CFG_ERR_INVALID naming the plan, the field and the
 * configuration (runner/faults/fault-targets.ts).
 */
export function checkFaults(plans: readonly Plan[], configurations: ReadonlyArray<{ name: string; stack: Readonly<StackConfig> }>): void {
  checkFaultTargets(plans, configurations);
}
