import type { RunResult } from '../../lib/result-schema.ts';
import { calibrate, type CalibrateInput } from '../../simulator/calibration/calibrate.ts';
import type { Calibration } from '../../simulator/calibration/calibration-schema.ts';
import { replayRun, type MeasuredRun, type MeasuredWorkload } from '../../simulator/calibration/calibration-input.ts';
import type { HostCpuSeries } from '../../simulator/calibration/host-load.ts';
import { leaveOneOut, type LeaveOneOutFold } from '../../simulator/calibration/leave-one-out.ts';
import { describePlacement } from '../../simulator/reference-stack/placement.ts';
import { predictStack } from '../../simulator/reference-stack/predict-stack.ts';
import type { TracePlan } from '../../simulator/reference-stack/work-profile.ts';
import type { Report } from '../report-schema.ts';
import { TARGET_DOMAIN_UTILISATION, type ContentionNote, type ModelRow, type ModelValidation } from './model-validation-schema.ts';

/**
 * The "model vs measured" section of a report: every measured configuration predicted by a
 * calibration that excluded it (leave one out), p50, p99 and throughput beside the measurement,
 * and, per configuration against the baseline, whether the measured latency difference is
 * mostly host contention (the model's difference vanishes with one host per tier instance).
 * Pure: the report's runs, the plan they ran and the workload in; the section out.
 */
export interface ModelValidationInput {
  report: Report;
  plan: TracePlan & { name: string };
  workload: MeasuredWorkload;
  hostCpu?: HostCpuSeries | null;
  /** Seed of each repeat's request stream, when known (runner/main-job.ts streamSeed). */
  streamSeedOf?: (repeat: number) => number;
}

/** A contention share above this (with the model reproducing the measured direction) is "mostly contention". */
const MOSTLY = 0.5;

/** The runs a report's summary uses: per configuration and repeat, the last healthy attempt, else the last one. */
export function runsForModel(runs: readonly RunResult[]): RunResult[] {
  const bySlot = new Map<string, RunResult>();
  for (const run of runs) {
    if (!run.server) continue;
    const key = `${run.configuration}\u0000${run.repeat}`;
    const current = bySlot.get(key);
    const better = !current || (run.generator.valid && !current.generator.valid) || (run.generator.valid === current.generator.valid && run.attempt > current.attempt);
    if (better) bySlot.set(key, run);
  }
  return [...bySlot.values()];
}

export function measuredRunsOf(input: Pick<ModelValidationInput, 'report' | 'plan' | 'streamSeedOf'>): MeasuredRun[] {
  const stacks = new Map(input.report.configurations.map((c) => [c.name, c.stack]));
  return runsForModel(input.report.runs).map((run) => ({
    run,
    stack: stacks.get(run.configuration),
    plan: input.plan,
    ...(input.streamSeedOf ? { streamSeed: input.streamSeedOf(run.repeat) } : {}),
  }));
}

/** null when no run carries server-side metrics (nothing to calibrate from). */
export function buildModelValidation(input: ModelValidationInput): ModelValidation | null {
  const runs = measuredRunsOf(input);
  if (runs.length === 0) return null;
  const base: CalibrateInput = {
    runs,
    workload: input.workload,
    host: input.report.metadata.host,
    createdAt: input.report.metadata.createdAt,
    ...(input.hostCpu ? { hostCpu: input.hostCpu } : {}),
  };
  const all = calibrate(base);
  const folds = leaveOneOut(base);
  const rows = folds.flatMap((fold) => fold.rows.map((r): ModelRow => ({
    configuration: r.configuration,
    endpoint: r.endpoint,
    repeat: r.repeat,
    step: r.step,
    intendedRps: r.intendedRps,
    calibratedOn: fold.calibratedOn,
    inSample: fold.inSample,
    measured: r.measured,
    predicted: r.predicted,
    error: r.error,
    bottleneck: r.bottleneck.id,
    bottleneckUtilisation: r.bottleneck.utilisation,
    foreignCores: r.foreignCores,
    generatorValid: r.generatorValid,
  })));
  const inDomain = rows.filter((r) => r.bottleneckUtilisation <= TARGET_DOMAIN_UTILISATION);
  const medianAbs = (pick: (r: ModelRow) => number | null) => median(inDomain.map(pick).filter((v): v is number => v !== null).map(Math.abs));
  const notes: string[] = [];
  if (folds.some((f) => f.inSample)) notes.push('one configuration only: its prediction is in-sample (calibrated on itself), not a test of the model');
  if (!input.hostCpu) notes.push('the host was not sampled: other work on the machine is unknown and taken as none');
  return {
    method:
      'each configuration predicted by a calibration on the other configurations’ runs (leave one out): CPU per unit of work and per-container background from the runs’ container CPU, unit counts from the replayed workload, latency by the open queueing network of the stack on the measured host',
    placement: describePlacement({ kind: 'shared', cores: input.report.metadata.host.cores, foreignCores: 0 }),
    calibration: { host: `${all.host.cores} cores, ${all.host.platform}`, intervals: all.runs.reduce((a, r) => a + r.intervals, 0), notes: all.notes },
    rows,
    summary: {
      rows: inDomain.length,
      p50MedianAbsError: medianAbs((r) => r.error.p50),
      p99MedianAbsError: medianAbs((r) => r.error.p99),
      throughputMedianAbsError: medianAbs((r) => r.error.throughput),
    },
    contention: contentionNotes(input, runs, folds),
    notes,
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** p99 of an endpoint predicted for a configuration's first run, on a placement, under a calibration. */
function predictedP99(run: MeasuredRun, input: ModelValidationInput, calibration: Calibration, endpoint: string, dedicated: boolean): number | null {
  const replayed = replayRun(run, input.workload, input.hostCpu);
  const interval = replayed.intervals[0];
  if (!interval) return null;
  const cores = calibration.host.cores;
  const placement = dedicated ? { kind: 'dedicated' as const, coresPerHost: cores } : { kind: 'shared' as const, cores, foreignCores: interval.foreignCores ?? 0 };
  const prediction = predictStack({ shape: interval.shape, classes: interval.work.classes, calibration, placement });
  return prediction.endpoints.find((e) => e.endpoint === endpoint)?.p99Ms ?? null;
}

/**
 * Per non-baseline configuration and endpoint of a constant-rate report: the measured p99
 * difference to the baseline, the model's on the measured placement and on dedicated hosts.
 * The share of the shared-host difference that dedicated hosts remove is host contention.
 */
function contentionNotes(input: ModelValidationInput, runs: readonly MeasuredRun[], folds: readonly LeaveOneOutFold[]): ContentionNote[] {
  const { report } = input;
  if (runs.some((r) => r.run.steps && r.run.steps.length > 0)) return [];
  const baseline = report.comparison.baseline;
  const firstRun = (configuration: string) => runs.filter((r) => r.run.configuration === configuration).sort((a, b) => a.run.repeat - b.run.repeat)[0];
  const foldOf = (configuration: string) => folds.find((f) => f.configuration === configuration);
  const notes: ContentionNote[] = [];
  const baseRun = firstRun(baseline);
  const baseFold = foldOf(baseline);
  if (!baseRun || !baseFold) return notes;
  for (const table of report.comparison.endpoints) {
    const measuredBase = table.entries.find((e) => e.configuration === baseline)?.p99Ms;
    if (measuredBase === undefined) continue;
    for (const entry of table.entries) {
      if (entry.configuration === baseline) continue;
      const run = firstRun(entry.configuration);
      const fold = foldOf(entry.configuration);
      if (!run || !fold) continue;
      const shared = { baseline: predictedP99(baseRun, input, baseFold.calibration, table.endpoint, false), configuration: predictedP99(run, input, fold.calibration, table.endpoint, false) };
      const dedicated = { baseline: predictedP99(baseRun, input, baseFold.calibration, table.endpoint, true), configuration: predictedP99(run, input, fold.calibration, table.endpoint, true) };
      notes.push(contentionNote(table.endpoint, entry.configuration, baseline, { baseline: measuredBase, configuration: entry.p99Ms }, shared, dedicated));
    }
  }
  return notes;
}

type Pair = { baseline: number | null; configuration: number | null };

export function contentionNote(endpoint: string, configuration: string, baseline: string, measured: { baseline: number; configuration: number }, shared: Pair, dedicated: Pair): ContentionNote {
  const delta = (p: Pair) => (p.baseline === null || p.configuration === null ? null : p.configuration - p.baseline);
  const dm = measured.configuration - measured.baseline;
  const ds = delta(shared);
  const dd = delta(dedicated);
  const share = ds !== null && dd !== null && Math.abs(ds) > 1e-9 ? Math.max(0, Math.min(1, (ds - dd) / ds)) : null;
  const sameDirection = ds !== null && Math.sign(ds) === Math.sign(dm) && dm !== 0;
  const mostlyContention = share !== null && sameDirection && share >= MOSTLY;
  const f = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(1)} ms`);
  let text: string;
  if (ds === null || dd === null) text = `the model could not predict both configurations (a resource saturates)`;
  else if (mostlyContention) {
    text =
      `mostly host contention: measured p99 ${f(measured.baseline)} → ${f(measured.configuration)}; the model on the shared host ${f(shared.baseline)} → ${f(shared.configuration)}, ` +
      `with one host per tier instance ${f(dedicated.baseline)} → ${f(dedicated.configuration)} (${Math.round(share! * 100)}% of the predicted difference is the containers sharing the host's cores)`;
  } else if (sameDirection) {
    text =
      `the architecture, not the host: measured p99 ${f(measured.baseline)} → ${f(measured.configuration)}; the model on the shared host ${f(shared.baseline)} → ${f(shared.configuration)}, ` +
      `with one host per tier instance ${f(dedicated.baseline)} → ${f(dedicated.configuration)}`;
  } else {
    text = `the model does not reproduce the measured difference (measured ${f(measured.baseline)} → ${f(measured.configuration)}, model ${f(shared.baseline)} → ${f(shared.configuration)}): noise or something the model lacks`;
  }
  return { endpoint, configuration, baseline, measuredP99Ms: measured, sharedP99Ms: shared, dedicatedP99Ms: dedicated, contentionShare: share, mostlyContention, text };
}
