import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { GeneratorHealth } from '../../lib/result-schema.ts';

/**
 * When the load generator, not the system under test, limited a run, its latency numbers
 * describe the generator: such a run is marked `valid: false` and gives no verdict.
 * Thresholds are deliberately strict: a false "invalid" costs a re-run, a false "valid"
 * costs a wrong conclusion.
 */
/**
 * Sends made inside the measured window must reach at least this share of the starts the
 * schedule put there (unserved excluded: those are the system's, counted against it). A
 * generator that falls behind pushes sends past the window's end, so this can fail; the
 * server cannot make it fail (open loop: sends never wait for the server, only the cap does).
 */
export const MIN_ACHIEVED_RATE_FRACTION = 0.95;
/** A p99 send lag above this means the scheduler itself fell behind. */
export const MAX_SEND_LAG_P99_MS = 10;
/** A p99.9 send lag above this means rare scheduler stalls (GC, a busy loop) the p99 hides. */
export const MAX_SEND_LAG_P999_MS = 50;
/** One Node process drives one core; above this it has no headroom to keep time. */
export const MAX_CPU_CORE_FRACTION = 0.9;
/** Event-loop stalls this long delay both sends and the timing of responses. */
export const MAX_EVENT_LOOP_DELAY_P99_MS = 20;
/** monitorEventLoopDelay sampling period; 10 ms is cheap and fine for a 20 ms threshold. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

export interface GeneratorMeasurements {
  cpuCoreFraction: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  intendedRateRps: number;
  /** Sends made inside the measured window, per second of it. */
  achievedRateRps: number;
  /** Rate of starts refused at the in-flight cap: the system's, not the generator's. */
  unservedRateRps: number;
  /** Scheduled requests that ended inside the measured window, per second (reported, not judged). */
  completedRateRps: number;
  sendLagP99Ms: number;
  sendLagP999Ms: number;
}

export function assessGeneratorHealth(m: GeneratorMeasurements): GeneratorHealth {
  const reasons: string[] = [];
  const expectedRps = Math.max(0, m.intendedRateRps - m.unservedRateRps);
  if (expectedRps > 0 && m.achievedRateRps < MIN_ACHIEVED_RATE_FRACTION * expectedRps) {
    reasons.push(
      `achieved ${fmt(m.achievedRateRps)} rps < ${MIN_ACHIEVED_RATE_FRACTION * 100}% of the ${fmt(expectedRps)} rps intended (unserved excluded)`,
    );
  }
  if (m.sendLagP99Ms > MAX_SEND_LAG_P99_MS) reasons.push(`send lag p99 ${fmt(m.sendLagP99Ms)} ms > ${MAX_SEND_LAG_P99_MS} ms`);
  if (m.sendLagP999Ms > MAX_SEND_LAG_P999_MS) reasons.push(`send lag p99.9 ${fmt(m.sendLagP999Ms)} ms > ${MAX_SEND_LAG_P999_MS} ms`);
  if (m.cpuCoreFraction > MAX_CPU_CORE_FRACTION) reasons.push(`generator CPU ${fmt(m.cpuCoreFraction)} of a core > ${MAX_CPU_CORE_FRACTION}`);
  if (m.eventLoopDelayP99Ms > MAX_EVENT_LOOP_DELAY_P99_MS) {
    reasons.push(`event-loop delay p99 ${fmt(m.eventLoopDelayP99Ms)} ms > ${MAX_EVENT_LOOP_DELAY_P99_MS} ms`);
  }
  return {
    cpuCoreFraction: m.cpuCoreFraction,
    eventLoopDelayP99Ms: m.eventLoopDelayP99Ms,
    eventLoopDelayMaxMs: m.eventLoopDelayMaxMs,
    intendedRateRps: m.intendedRateRps,
    achievedRateRps: m.achievedRateRps,
    completedRateRps: m.completedRateRps,
    sendLagP99Ms: m.sendLagP99Ms,
    sendLagP999Ms: m.sendLagP999Ms,
    valid: reasons.length === 0,
    reasons,
  };
}

/** The send-lag part of the health verdict, for one step of a stepped run. */
export function assessStepSendLag(sendLagP99Ms: number, sendLagP999Ms: number): { sendLagP99Ms: number; sendLagP999Ms: number; valid: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (sendLagP99Ms > MAX_SEND_LAG_P99_MS) reasons.push(`send lag p99 ${fmt(sendLagP99Ms)} ms > ${MAX_SEND_LAG_P99_MS} ms`);
  if (sendLagP999Ms > MAX_SEND_LAG_P999_MS) reasons.push(`send lag p99.9 ${fmt(sendLagP999Ms)} ms > ${MAX_SEND_LAG_P999_MS} ms`);
  return { sendLagP99Ms, sendLagP999Ms, valid: reasons.length === 0, reasons };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Process CPU and event-loop delay between start() and stop(). */
export interface HealthProbe {
  start(): void;
  stop(): { cpuCoreFraction: number; eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number };
}

export function createHealthProbe(): HealthProbe {
  let histogram: IntervalHistogram | undefined;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let wallAtStartNs = 0n;
  return {
    start() {
      histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
      histogram.enable();
      cpuAtStart = process.cpuUsage();
      wallAtStartNs = process.hrtime.bigint();
    },
    stop() {
      if (!histogram || !cpuAtStart) return { cpuCoreFraction: 0, eventLoopDelayP99Ms: 0, eventLoopDelayMaxMs: 0 };
      const cpu = process.cpuUsage(cpuAtStart);
      const wallUs = Number(process.hrtime.bigint() - wallAtStartNs) / 1000;
      histogram.disable();
      // Node records the whole interval between samples (resolution + lateness, in ns), not
      // the lateness alone: an idle loop reads ~10 ms at 10 ms resolution. Report the lateness.
      const lateMs = (ns: number) => Math.max(0, ns / 1e6 - EVENT_LOOP_RESOLUTION_MS);
      const p99Ms = histogram.count > 0 ? lateMs(histogram.percentile(99)) : 0;
      const maxMs = histogram.count > 0 ? lateMs(histogram.max) : 0;
      histogram = undefined;
      return {
        cpuCoreFraction: wallUs > 0 ? (cpu.user + cpu.system) / wallUs : 0,
        eventLoopDelayP99Ms: p99Ms,
        eventLoopDelayMaxMs: maxMs,
      };
    },
  };
}
