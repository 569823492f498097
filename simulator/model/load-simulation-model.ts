import { FeedscaleError } from '../../lib/errors.ts';
import { validateConfig, type ConfigIssue } from '../../lib/validate.ts';
import type { RouteStep, SimpleStep } from './route-step.ts';
import type { ServiceTime } from './service-time.ts';
import { SimulationModelSchema, type SimulationModel } from './simulation-model.ts';

const PROBABILITY_SUM_TOLERANCE = 1e-9;

/**
 * Validates a model against SimulationModelSchema (defaults filled, every issue with its path),
 * then checks what a schema cannot: references between ids, branch probabilities summing to 1,
 * pools released on every path, no spawn cycles, schedule events naming real classes and branches.
 * Returns a deep-frozen model; throws CFG_ERR_INVALID listing every issue.
 *
 * @example
 * const model = loadSimulationModel({
 *   hosts: [{ id: 'box', cores: 2 }],
 *   stations: [{ id: 'app', tier: 'app', hostId: 'box' }],
 *   classes: [{ id: 'feed.read', rateRps: 50, steps: [{ kind: 'visit', stationId: 'app', demand: { kind: 'exponential', meanS: 0.005 } }] }],
 * });
 */
export function loadSimulationModel(input: unknown): SimulationModel {
  const model = validateConfig(SimulationModelSchema, input, 'simulation model');
  const issues = checkModelReferences(model);
  if (issues.length > 0) {
    const lines = issues.map((i) => `${i.path}: ${i.message}`);
    throw new FeedscaleError('CFG_ERR_INVALID', `invalid simulation model:\n  ${lines.join('\n  ')}`, { details: lines });
  }
  return model;
}

/** The cross-reference rules of a schema-valid model; empty when it is consistent. */
export function checkModelReferences(model: SimulationModel): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const hostIds = uniqueIds(model.hosts, '/hosts', issues);
  const stationIds = uniqueIds(model.stations, '/stations', issues);
  const poolIds = uniqueIds(model.pools, '/pools', issues);
  const classIds = uniqueIds(model.classes, '/classes', issues);
  model.stations.forEach((s, i) => {
    if (!hostIds.has(s.hostId)) issues.push({ path: `/stations/${i}/hostId`, message: `unknown host '${s.hostId}'` });
  });
  model.pools.forEach((p, i) => {
    if (p.hostId !== undefined && !hostIds.has(p.hostId)) issues.push({ path: `/pools/${i}/hostId`, message: `unknown host '${p.hostId}'` });
  });
  const refs = { stationIds, poolIds, classIds };
  model.classes.forEach((c, i) => checkRoute(c.steps, `/classes/${i}/steps`, refs, issues));
  checkSpawnCycles(model, issues);
  checkSchedule(model, issues);
  return issues;
}

interface Refs {
  stationIds: Set<string>;
  poolIds: Set<string>;
  classIds: Set<string>;
}

function uniqueIds(items: readonly { id: string }[], path: string, issues: ConfigIssue[]): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) issues.push({ path: `${path}/${i}/id`, message: `duplicate id '${item.id}'` });
    seen.add(item.id);
  });
  return seen;
}

function checkRoute(steps: readonly RouteStep[], path: string, refs: Refs, issues: ConfigIssue[]): void {
  const held: string[] = [];
  const branchIds = new Set<string>();
  steps.forEach((step, i) => {
    const at = `${path}/${i}`;
    if (step.kind !== 'branch') {
      checkSimpleStep(step, at, refs, held, issues);
      return;
    }
    if (branchIds.has(step.id)) issues.push({ path: `${at}/id`, message: `duplicate branch id '${step.id}' in this class` });
    branchIds.add(step.id);
    checkProbabilities(step.arms.map((a) => a.probability), `${at}/arms`, issues);
    const armIds = new Set<string>();
    step.arms.forEach((arm, a) => {
      if (armIds.has(arm.id)) issues.push({ path: `${at}/arms/${a}/id`, message: `duplicate arm id '${arm.id}'` });
      armIds.add(arm.id);
      const armHeld = [...held];
      arm.steps.forEach((s, j) => checkSimpleStep(s, `${at}/arms/${a}/steps/${j}`, refs, armHeld, issues));
      if (armHeld.join('\u0000') !== held.join('\u0000')) {
        issues.push({ path: `${at}/arms/${a}`, message: 'an arm must release every pool it acquires and release none acquired before it' });
      }
    });
  });
  if (held.length > 0) issues.push({ path, message: `pool(s) never released: ${held.join(', ')}` });
}

function checkSimpleStep(step: SimpleStep, at: string, refs: Refs, held: string[], issues: ConfigIssue[]): void {
  switch (step.kind) {
    case 'visit':
      if (!refs.stationIds.has(step.stationId)) issues.push({ path: `${at}/stationId`, message: `unknown station '${step.stationId}'` });
      checkTime(step.demand, `${at}/demand`, issues);
      if (step.delay) checkTime(step.delay, `${at}/delay`, issues);
      return;
    case 'acquire':
      if (!refs.poolIds.has(step.poolId)) issues.push({ path: `${at}/poolId`, message: `unknown pool '${step.poolId}'` });
      if (held.includes(step.poolId)) issues.push({ path: at, message: `pool '${step.poolId}' acquired again while held (would deadlock at size 1)` });
      held.push(step.poolId);
      return;
    case 'release': {
      const index = held.lastIndexOf(step.poolId);
      if (index < 0) issues.push({ path: at, message: `release of pool '${step.poolId}' that is not held here` });
      else held.splice(index, 1);
      return;
    }
    case 'spawn':
      if (!refs.classIds.has(step.classId)) issues.push({ path: `${at}/classId`, message: `unknown class '${step.classId}'` });
      return;
  }
}

function checkTime(time: ServiceTime, at: string, issues: ConfigIssue[]): void {
  if (time.kind !== 'empirical-quantiles') return;
  const q = time.quantiles;
  if (q[0]!.p !== 0 || q[q.length - 1]!.p !== 1) issues.push({ path: `${at}/quantiles`, message: 'must start at p = 0 and end at p = 1' });
  for (let i = 1; i < q.length; i++) {
    if (q[i]!.p <= q[i - 1]!.p || q[i]!.valueS < q[i - 1]!.valueS) {
      issues.push({ path: `${at}/quantiles/${i}`, message: 'p must increase and valueS must not decrease' });
    }
  }
}

function checkProbabilities(probabilities: readonly number[], at: string, issues: ConfigIssue[]): void {
  const sum = probabilities.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) issues.push({ path: at, message: `probabilities must sum to 1 (got ${sum})` });
}

/** Spawns form a directed graph between classes; a cycle would make the job population explode or never settle. */
function checkSpawnCycles(model: SimulationModel, issues: ConfigIssue[]): void {
  const children = new Map(model.classes.map((c) => [c.id, spawnedClassIds(c.steps)]));
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') {
      issues.push({ path: '/classes', message: `spawn cycle: ${[...trail.slice(trail.indexOf(id)), id].join(' -> ')}` });
      return;
    }
    state.set(id, 'open');
    for (const child of children.get(id) ?? []) visit(child, [...trail, id]);
    state.set(id, 'done');
  };
  for (const c of model.classes) visit(c.id, []);
}

/** Class ids a route spawns, in any arm. */
export function spawnedClassIds(steps: readonly RouteStep[]): string[] {
  const out: string[] = [];
  for (const step of steps) {
    if (step.kind === 'spawn') out.push(step.classId);
    if (step.kind === 'branch') for (const arm of step.arms) for (const s of arm.steps) if (s.kind === 'spawn') out.push(s.classId);
  }
  return out;
}

function checkSchedule(model: SimulationModel, issues: ConfigIssue[]): void {
  const byId = new Map(model.classes.map((c) => [c.id, c]));
  model.schedule.forEach((event, i) => {
    const at = `/schedule/${i}`;
    const cls = byId.get(event.classId);
    if (!cls) {
      issues.push({ path: `${at}/classId`, message: `unknown class '${event.classId}'` });
      return;
    }
    if (event.kind !== 'set-branch') return;
    const branch = cls.steps.find((s) => s.kind === 'branch' && s.id === event.branchId);
    if (!branch || branch.kind !== 'branch') {
      issues.push({ path: `${at}/branchId`, message: `class '${cls.id}' has no branch '${event.branchId}'` });
      return;
    }
    if (event.probabilities.length !== branch.arms.length) {
      issues.push({ path: `${at}/probabilities`, message: `needs ${branch.arms.length} probabilities, one per arm` });
    }
    checkProbabilities(event.probabilities, `${at}/probabilities`, issues);
  });
}
