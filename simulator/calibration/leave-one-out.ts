import { predictStack, type StackPrediction } from '../reference-stack/predict-stack.ts';
import { calibrate, measuredPlacement, type CalibrateInput } from './calibrate.ts';
import type { Calibration } from './calibration-schema.ts';
import { replayRun, type ReplayedInterval } from './calibration-input.ts';

/**
 * Model against measurement, interval by interval: the model replays a measured interval (same
 * stack, same work, same machine and the other work on it) and its p50, p99 and throughput are
 * set beside the measured ones. With leave-one-out, each configuration is predicted by a
 * calibration that never saw it: the honest test of a model meant to predict configurations
 * nobody ran.
 */
export interface ComparedFigures {
  p50Ms: number | null;
  p99Ms: number | null;
  throughputRps: number | null;
}

export interface IntervalComparison {
  configuration: string;
  repeat: number;
  /** Step of a stepped run, or null for a constant run's window. */
  step: number | null;
  intendedRps: number;
  endpoint: string;
  measured: ComparedFigures;
  predicted: ComparedFigures;
  /** predicted / measured − 1; null where either is missing. */
  error: { p50: number | null; p99: number | null; throughput: number | null };
  /** The model's utilisation of the bottleneck (host cores or a station's threads) and which it is. */
  bottleneck: { id: string; utilisation: number };
  /** Cores of other work on the machine during the interval (null: not sampled). */
  foreignCores: number | null;
  generatorValid: boolean;
}

export interface LeaveOneOutFold {
  configuration: string;
  /** Configurations the calibration of this fold came from ([] when there was no other: then in-sample). */
  calibratedOn: string[];
  inSample: boolean;
  /** The calibration that predicted it. */
  calibration: Calibration;
  rows: IntervalComparison[];
}

/** Endpoints with fewer completions in an interval are left out: their percentiles are noise. */
const MIN_COUNT = 50;

const relativeError = (predicted: number | null, measured: number | null) => (predicted === null || measured === null || measured <= 0 ? null : predicted / measured - 1);

/** The model's figures for one measured interval under a calibration. */
export function compareInterval(interval: ReplayedInterval, calibration: Calibration, cores: number, prediction?: StackPrediction): IntervalComparison[] {
  const predicted = prediction ?? predictStack({ shape: interval.shape, classes: interval.work.classes, calibration, placement: measuredPlacement(interval, cores) });
  const o = interval.observation;
  return Object.entries(o.latency)
    .filter(([, stats]) => stats.count >= MIN_COUNT)
    .map(([endpoint, stats]): IntervalComparison => {
      const p = predicted.endpoints.find((e) => e.endpoint === endpoint);
      const measured = { p50Ms: stats.p50Ms, p99Ms: stats.p99Ms, throughputRps: o.endpointRps[endpoint] ?? null };
      const model = { p50Ms: p?.p50Ms ?? null, p99Ms: p?.p99Ms ?? null, throughputRps: p?.throughputRps ?? null };
      return {
        configuration: o.configuration,
        repeat: o.repeat,
        step: o.step,
        intendedRps: o.intendedRps,
        endpoint,
        measured,
        predicted: model,
        error: { p50: relativeError(model.p50Ms, measured.p50Ms), p99: relativeError(model.p99Ms, measured.p99Ms), throughput: relativeError(model.throughputRps, measured.throughputRps) },
        bottleneck: { id: predicted.bottleneck.id, utilisation: predicted.bottleneck.utilisation },
        foreignCores: interval.foreignCores,
        generatorValid: o.generatorValid,
      };
    });
}

/** Every interval of the given runs under one calibration. */
export function compareRuns(input: Pick<CalibrateInput, 'runs' | 'workload' | 'hostCpu'>, calibration: Calibration): IntervalComparison[] {
  return input.runs.flatMap((r) => replayRun(r, input.workload, input.hostCpu).intervals.flatMap((i) => compareInterval(i, calibration, calibration.host.cores)));
}

/**
 * For each configuration among the runs: calibrate on the runs of the others (all of them, or
 * the first `maxCalibrationConfigurations` in order), predict its intervals. A single
 * configuration is compared in-sample (flagged).
 */
export function leaveOneOut(input: CalibrateInput, options: { maxCalibrationConfigurations?: number } = {}): LeaveOneOutFold[] {
  const configurations = [...new Set(input.runs.map((r) => r.run.configuration))];
  const max = options.maxCalibrationConfigurations ?? Infinity;
  return configurations.map((configuration) => {
    const others = configurations.filter((c) => c !== configuration).slice(0, max);
    const inSample = others.length === 0;
    const calibratedOn = inSample ? [configuration] : others;
    const calibration = calibrate({ ...input, runs: input.runs.filter((r) => calibratedOn.includes(r.run.configuration)) });
    const held = { ...input, runs: input.runs.filter((r) => r.run.configuration === configuration) };
    return { configuration, calibratedOn: inSample ? [] : others, inSample, calibration, rows: compareRuns(held, calibration) };
  });
}
