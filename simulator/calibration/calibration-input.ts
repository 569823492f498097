import type { RunResult } from '../../lib/result-schema.ts';
import type { WorkloadModel } from '../../scenarios/workload/model.ts';
import { observationsOf, type Observation } from './observations.ts';
import { hostLoadOver, type HostCpuSeries } from './host-load.ts';
import { stackShapeOf, type ReferenceStackShape } from '../reference-stack/stack-shape.ts';
import { profileWork, type TracePlan, type WorkInterval, type WorkProfile } from '../reference-stack/work-profile.ts';

/** One measured run with what the model needs to replay it: its stack and its plan. */
export interface MeasuredRun {
  run: RunResult;
  /** The configuration's resolved stack (StackConfig as JSON). */
  stack: unknown;
  plan: TracePlan & { name: string };
  /** Seed of the run's request stream when known (runner/main-job.ts streamSeed); default the workload seed. */
  streamSeed?: number;
}

/** The workload every run replayed: dataset seed and the run configuration's workload overrides. */
export interface MeasuredWorkload {
  seed: number;
  overrides: Partial<WorkloadModel>;
}

/** A measured interval with the work the model replays for it and the machine's load around it. */
export interface ReplayedInterval {
  observation: Observation;
  work: WorkInterval;
  shape: ReferenceStackShape;
  /** Cores of other work on the machine during the interval, when the host was sampled. */
  foreignCores: number | null;
  proxyCores: number | null;
}

export interface ReplayedRun {
  measured: MeasuredRun;
  shape: ReferenceStackShape;
  profile: WorkProfile;
  intervals: ReplayedInterval[];
}

/**
 * Observations of a run matched with the replayed work profile of the same interval (by start
 * time within the measured window), and with the machine's load when it was sampled.
 */
export function replayRun(measured: MeasuredRun, workload: MeasuredWorkload, hostCpu?: HostCpuSeries | null): ReplayedRun {
  const shape = stackShapeOf(measured.stack, `stack of ${measured.run.configuration}`);
  const profile = profileWork(
    { workload: workload.overrides, seed: workload.seed, logicalShards: shape.logicalShards },
    measured.plan,
    shape,
    measured.streamSeed === undefined ? {} : { streamSeed: measured.streamSeed },
  );
  const intervals = observationsOf(measured.run, shape).map((observation): ReplayedInterval => {
    const work =
      observation.step === null
        ? profile.total
        : (profile.intervals.reduce<WorkInterval | null>((best, i) => {
            const start = measured.run.steps![observation.step!]!.startS;
            return best === null || Math.abs(i.startS - start) < Math.abs(best.startS - start) ? i : best;
          }, null) ?? profile.total);
    const load = hostLoadOver(hostCpu, observation.startMs, observation.startMs + observation.durationS * 1000);
    const ours = Object.values(observation.cpuCores).reduce((a, b) => a + (b ?? 0), 0) + observation.generatorCores;
    return {
      observation,
      work,
      shape,
      foreignCores: load ? Math.max(0, load.busyCores - ours - load.proxyCores) : null,
      proxyCores: load ? load.proxyCores : null,
    };
  });
  return { measured, shape, profile, intervals };
}
