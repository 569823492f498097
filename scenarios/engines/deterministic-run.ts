import { createLatencyHistogram, recordUs } from '../../lib/histogram.ts';
import { createArrivalSchedule, stepWindows, type ArrivalSpec } from './arrival-schedule.ts';
import { assessGeneratorHealth, assessStepSendLag } from './generator-health.ts';
import { createLatencyRecorder, type MeasuredStep } from './latency-recorder.ts';
import { globalIndexOf, partitionSchedule, partitionSource, type Partition } from './partition.ts';
import type { RequestSource, RequestSpec } from './request-source.ts';
import type { EngineRun } from './run-result.ts';

/**
 * What request i met, decided by a pure function instead of a network and a clock: its latency
 * from the send, how late it was sent, and whether it failed or was refused at the cap.
 */
export interface DeterministicOutcome {
  /** From the send to the end of the response, µs. */
  serviceUs: number;
  /** From the intended start to the send, µs. */
  sendLagUs: number;
  /** An error kind ("status_503"), or undefined for success. */
  error?: string;
  /** Refused at the in-flight cap: recorded as the engine records unserved starts. */
  unserved?: boolean;
}

export interface DeterministicRunOptions {
  arrival: ArrivalSpec;
  warmupS: number;
  durationS: number;
  timeoutMs: number;
  source: RequestSource;
  partition?: Partition;
  /** Request i's fate, from its global index and spec only. */
  outcome: (index: number, spec: RequestSpec) => DeterministicOutcome;
}

const NS_PER_S = 1e9;
const NS_PER_US = 1e3;

/**
 * A run of the open-loop engine's books with the network and the clock replaced by `outcome`:
 * the same schedule, partition, request stream and LatencyRecorder as open-loop-engine.ts,
 * responses booked in the order they end. Equal options give equal runs, bit for bit, so the
 * split of a run over generators and the merge of their runs (merge-runs.ts) can be checked
 * against the single generator exactly, which real latencies (never equal twice) cannot do.
 */
export function recordDeterministicRun(o: DeterministicRunOptions): EngineRun {
  const partition = o.partition ?? { index: 0, count: 1 };
  const totalS = o.warmupS + o.durationS;
  const warmupNs = o.warmupS * NS_PER_S;
  const windowEndNs = totalS * NS_PER_S;
  const steps = measuredSteps(o.arrival, o.warmupS, o.durationS);
  const recorder = createLatencyRecorder({ timeline: true, ...(steps ? { steps } : {}) });
  const schedule = partitionSchedule(createArrivalSchedule(o.arrival, totalS), partition);
  const source = partitionSource(o.source, partition);
  const sendLag = createLatencyHistogram();
  const stepLag = steps?.map(() => createLatencyHistogram());
  const ends: { endNs: number; book: () => void }[] = [];
  let sentInside = 0;
  let endedInside = 0;
  let k = 0;
  for (let t = schedule.next(); t !== undefined; t = schedule.next(), k++) {
    const intendedNs = t;
    const spec = source.next();
    const index = globalIndexOf(partition, k);
    if (intendedNs < warmupNs) continue;
    const fate = o.outcome(index, spec);
    const tally = recorder.endpoint(spec.endpoint);
    tally.intended++;
    const step = steps ? steps.findIndex((s) => intendedNs >= s.startNs && intendedNs < s.endNs) : -1;
    if (fate.unserved) {
      const censoredEndNs = intendedNs + o.timeoutMs * 1e6;
      ends.push({ endNs: censoredEndNs, book: () => recorder.recordUnserved(tally, step, (censoredEndNs - warmupNs) / NS_PER_S, o.timeoutMs * 1000) });
      continue;
    }
    const sendNs = intendedNs + fate.sendLagUs * NS_PER_US;
    recorder.countSent(tally, step);
    recordUs(sendLag, fate.sendLagUs);
    if (step >= 0) recordUs(stepLag![step]!, fate.sendLagUs);
    if (sendNs <= windowEndNs) sentInside++;
    const endNs = sendNs + fate.serviceUs * NS_PER_US;
    if (endNs <= windowEndNs) endedInside++;
    ends.push({ endNs, book: () => recorder.recordEnd(tally, step, (endNs - warmupNs) / NS_PER_S, fate.error, (endNs - intendedNs) / NS_PER_US, fate.serviceUs) });
  }
  // The engine books a response when it ends: in end order (ties in schedule order).
  ends.sort((a, b) => a.endNs - b.endNs);
  for (const e of ends) e.book();

  const totals = recorder.totals();
  const lagMs = (h: ReturnType<typeof createLatencyHistogram>, p: number) => (h.totalCount > 0 ? h.getValueAtPercentile(p) / 1000 : 0);
  const generator = assessGeneratorHealth({
    cpuCoreFraction: 0,
    eventLoopDelayP99Ms: 0,
    eventLoopDelayMaxMs: 0,
    intendedRateRps: totals.intended / o.durationS,
    achievedRateRps: sentInside / o.durationS,
    unservedRateRps: totals.unserved / o.durationS,
    completedRateRps: endedInside / o.durationS,
    sendLagP99Ms: lagMs(sendLag, 99),
    sendLagP999Ms: lagMs(sendLag, 99.9),
  });
  const stepResults = recorder.toStepResults()?.map((s, i) => ({ ...s, generator: assessStepSendLag(lagMs(stepLag![i]!, 99), lagMs(stepLag![i]!, 99.9)) }));
  return {
    driver: 'open-loop',
    loadModel: 'open',
    durationS: o.durationS,
    warmupS: o.warmupS,
    timeoutMs: o.timeoutMs,
    generator,
    endpoints: recorder.toEndpointResults(o.durationS),
    ...(stepResults ? { steps: stepResults } : {}),
  };
}

/** As open-loop-engine.ts: the steps that overlap the measured window, clipped to it. */
function measuredSteps(arrival: ArrivalSpec, warmupS: number, durationS: number): (MeasuredStep & { startNs: number; endNs: number })[] | undefined {
  if (arrival.kind !== 'steps') return undefined;
  const warmupNs = warmupS * NS_PER_S;
  return stepWindows(arrival.steps, warmupS + durationS).flatMap((w) => {
    const startNs = Math.max(w.startNs, warmupNs);
    return w.endNs <= startNs ? [] : [{ rateRps: w.rateRps, startS: (startNs - warmupNs) / NS_PER_S, durationS: (w.endNs - startNs) / NS_PER_S, startNs, endNs: w.endNs }];
  });
}
