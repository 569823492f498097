import { FeedscaleError } from '../../lib/errors.ts';

/**
 * When each request of an open-loop run is meant to start. The schedule is a pure function of
 * its spec (and seed): it never looks at responses, which is what makes the load "open".
 *
 * @example
 * { kind: 'constant', rateRps: 200 }
 * { kind: 'poisson', rateRps: 200, seed: 42 }
 * { kind: 'steps', steps: [{ rateRps: 100, durationS: 10 }, { rateRps: 400, durationS: 20 }] }
 */
export type ArrivalSpec =
  | { kind: 'constant'; rateRps: number }
  | { kind: 'poisson'; rateRps: number; seed: number }
  | { kind: 'steps'; steps: readonly { rateRps: number; durationS: number }[] };

export interface ArrivalSchedule {
  /** Intended start of the next request in ns from the run's start, or undefined once past the end. */
  next(): number | undefined;
}

const NS_PER_S = 1e9;

/**
 * Arrivals in [0, totalS). Steps start at t=0 (warm-up included); if they end before totalS
 * the last step's rate holds until the end, so a plan never silently stops sending.
 */
export function createArrivalSchedule(spec: ArrivalSpec, totalS: number): ArrivalSchedule {
  checkArrivalSpec(spec);
  if (!(totalS > 0)) throw new FeedscaleError('CFG_ERR_INVALID', `run length must be a positive number of seconds (got ${totalS})`);
  const endNs = totalS * NS_PER_S;
  switch (spec.kind) {
    case 'constant':
      return fromSteps([{ rateRps: spec.rateRps, durationS: totalS }], endNs);
    case 'steps':
      return fromSteps(spec.steps, endNs);
    case 'poisson':
      return poisson(spec.rateRps, spec.seed, endNs);
  }
}

/** Mean rate the spec asks for over [0, totalS), for reports. */
export function meanRateRps(spec: ArrivalSpec, totalS: number): number {
  if (spec.kind !== 'steps') return spec.rateRps;
  let covered = 0;
  let requests = 0;
  for (const step of spec.steps) {
    const d = Math.min(step.durationS, totalS - covered);
    if (d <= 0) break;
    requests += d * step.rateRps;
    covered += d;
  }
  const last = spec.steps[spec.steps.length - 1];
  if (covered < totalS && last) requests += (totalS - covered) * last.rateRps;
  return requests / totalS;
}

export function checkArrivalSpec(spec: ArrivalSpec): void {
  const positive = (value: number, name: string) => {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new FeedscaleError('CFG_ERR_INVALID', `${name} must be a positive number (got ${value})`);
    }
  };
  switch (spec.kind) {
    case 'constant':
      positive(spec.rateRps, 'arrival.rateRps');
      return;
    case 'poisson':
      positive(spec.rateRps, 'arrival.rateRps');
      if (!Number.isInteger(spec.seed)) throw new FeedscaleError('CFG_ERR_INVALID', `arrival.seed must be an integer (got ${spec.seed})`);
      return;
    case 'steps':
      if (spec.steps.length === 0) throw new FeedscaleError('CFG_ERR_INVALID', 'arrival.steps must hold at least one step');
      spec.steps.forEach((step, i) => {
        positive(step.rateRps, `arrival.steps[${i}].rateRps`);
        positive(step.durationS, `arrival.steps[${i}].durationS`);
      });
      return;
    default:
      throw new FeedscaleError('CFG_ERR_INVALID', `arrival.kind must be constant, poisson or steps (got ${JSON.stringify((spec as { kind: unknown }).kind)})`);
  }
}

/** One step of a stepped schedule as it really runs: [startNs, endNs) from the run's start. */
export interface StepWindow {
  rateRps: number;
  startNs: number;
  endNs: number;
}

/**
 * The windows the steps of a spec really occupy in [0, totalS): steps past the end are cut or
 * dropped, and the last step holds until the end. One definition serves the schedule and the
 * per-step breakdown of results, so a request is always counted in the step that sent it.
 */
export function stepWindows(steps: readonly { rateRps: number; durationS: number }[], totalS: number): StepWindow[] {
  return stepWindowsNs(steps, totalS * NS_PER_S);
}

function stepWindowsNs(steps: readonly { rateRps: number; durationS: number }[], endNs: number): StepWindow[] {
  const windows: StepWindow[] = [];
  let startNs = 0;
  for (let i = 0; i < steps.length && startNs < endNs; i++) {
    const step = steps[i] as { rateRps: number; durationS: number };
    const stepEndNs = i === steps.length - 1 ? endNs : Math.min(endNs, startNs + step.durationS * NS_PER_S);
    windows.push({ rateRps: step.rateRps, startNs, endNs: stepEndNs });
    startNs = stepEndNs;
  }
  return windows;
}

/**
 * Evenly spaced arrivals. Times are computed as stepStart + k/rate (not by adding gaps) so
 * floating-point error never accumulates into drift over a long run.
 */
function fromSteps(steps: readonly { rateRps: number; durationS: number }[], endNs: number): ArrivalSchedule {
  const windows = stepWindowsNs(steps, endNs);
  let stepIndex = 0;
  let k = 0;
  return {
    next(): number | undefined {
      for (;;) {
        const w = windows[stepIndex];
        if (!w) return undefined;
        const t = w.startNs + (k * NS_PER_S) / w.rateRps;
        if (t < w.endNs) {
          k++;
          return t;
        }
        stepIndex++;
        k = 0;
      }
    },
  };
}

/** Exponential gaps from a seeded generator: the same seed gives the same arrival times. */
function poisson(rateRps: number, seed: number, endNs: number): ArrivalSchedule {
  const uniform = mulberry32(seed);
  let t = 0;
  return {
    next(): number | undefined {
      // 1 - u is in (0, 1], so the log is finite.
      t += (-Math.log(1 - uniform()) / rateRps) * NS_PER_S;
      return t < endNs ? t : undefined;
    },
  };
}

/** Small, fast, seedable PRNG (uniform in [0, 1)); quality is ample for arrival jitter. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
