import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../plans/load-plan.ts';
import { validatePlan } from '../../plans/plan-schema.ts';
import { createArrivalSchedule } from '../../engines/arrival-schedule.ts';
import { arrivalForK6, createIterationClock, planThresholds, planToOptions, planToScenario } from './plan-to-options.ts';
import { PREALLOCATED_VU_FRACTION, sizeVus } from '../../plans/in-flight-cap.ts';

/** A stepped plan (the former ramp plan; ramp.json is a capacity search now, which k6 cannot run). */
const STEPPED = validatePlan({
  name: 'stepped',
  driver: 'open-loop',
  arrival: {
    kind: 'steps',
    steps: [
      { rateRps: 50, durationS: 5 },
      { rateRps: 50, durationS: 10 },
      { rateRps: 100, durationS: 10 },
      { rateRps: 150, durationS: 10 },
      { rateRps: 200, durationS: 10 },
      { rateRps: 300, durationS: 10 },
    ],
  },
  warmupS: 5,
  durationS: 50,
  mix: { 'feed.read': 0.9, 'media.read': 0.09, 'media.like': 0.006, 'follow.create': 0.002, 'upload.start': 0.002 },
  timeoutMs: 2000,
});

describe('sizeVus', () => {
  it('allows one VU per request that can be outstanding at the peak rate for the worst latency', () => {
    expect(sizeVus(150, 2000)).toEqual({ maxVUs: 300, preAllocatedVUs: Math.ceil(300 * PREALLOCATED_VU_FRACTION) });
    expect(sizeVus(120, 2000).maxVUs).toBe(240);
    expect(sizeVus(33.3, 1500).maxVUs).toBe(50); // 49.95 rounds up
  });

  it('never sizes below one VU', () => {
    expect(sizeVus(0.2, 100)).toEqual({ maxVUs: 1, preAllocatedVUs: 1 });
  });
});

describe('planToScenario', () => {
  it('maps a constant plan to constant-arrival-rate over warm-up plus measured time', async () => {
    const plan = await loadPlan('feed-read'); // 150 rps, 5 s + 20 s, timeout 2000 ms
    expect(planToScenario(plan)).toEqual({
      executor: 'constant-arrival-rate',
      rate: 150,
      timeUnit: '1s',
      duration: '25000ms',
      preAllocatedVUs: 75,
      maxVUs: 300,
      gracefulStop: '3s',
    });
  });

  it('maps steps to ramping-arrival-rate with a 0 s jump before each held step', () => {
    const plan = STEPPED;
    const scenario = planToScenario(plan);
    // Peak 300 rps x 2 s timeout x 1.004 requests per iteration (0.2% uploads make three requests).
    expect(scenario).toMatchObject({ executor: 'ramping-arrival-rate', startRate: 50, timeUnit: '1s', maxVUs: 603, preAllocatedVUs: 151, gracefulStop: '7s' });
    if (scenario.executor !== 'ramping-arrival-rate') throw new Error('expected ramping-arrival-rate');
    expect(scenario.stages).toEqual([
      { duration: '5000ms', target: 50 },
      { duration: '0s', target: 50 },
      { duration: '10000ms', target: 50 },
      { duration: '0s', target: 100 },
      { duration: '10000ms', target: 100 },
      { duration: '0s', target: 150 },
      { duration: '10000ms', target: 150 },
      { duration: '0s', target: 200 },
      { duration: '10000ms', target: 200 },
      { duration: '0s', target: 300 },
      { duration: '10000ms', target: 300 },
    ]);
  });

  it('holds the last step until the end of the run when the steps are shorter, like the open-loop engine', () => {
    const plan = validatePlan({
      name: 'short-steps',
      arrival: { kind: 'steps', steps: [{ rateRps: 10, durationS: 2 }, { rateRps: 20, durationS: 3 }] },
      warmupS: 2,
      durationS: 10,
      mix: { 'feed.read': 1 },
    });
    const scenario = planToScenario(plan);
    if (scenario.executor !== 'ramping-arrival-rate') throw new Error('expected ramping-arrival-rate');
    expect(scenario.stages.at(-1)).toEqual({ duration: '10000ms', target: 20 });
  });

  it('sizes VUs for three timeouts per iteration when the mix is all uploads (start, PUT, complete)', async () => {
    const plan = await loadPlan('upload'); // 10 rps, timeout 2000 ms
    expect(planToScenario(plan)).toMatchObject({ executor: 'constant-arrival-rate', rate: 10, maxVUs: 60, preAllocatedVUs: 15, gracefulStop: '7s' });
  });

  it('runs a poisson plan as constant-arrival-rate at its mean rate and says so', async () => {
    const plan = await loadPlan('mixed');
    const { options, notes } = planToOptions(plan);
    expect(options.scenarios.plan).toMatchObject({ executor: 'constant-arrival-rate', rate: 120 });
    expect(notes.join(' ')).toMatch(/poisson.*constant-arrival-rate/i);
  });

  it('expresses fractional rates with a 1000 s time unit', () => {
    const plan = validatePlan({ name: 'slow', arrival: { kind: 'constant', rateRps: 2.5 }, durationS: 10, mix: { 'feed.read': 1 } });
    expect(planToScenario(plan)).toMatchObject({ rate: 2500, timeUnit: '1000s' });
    expect(arrivalForK6(plan).segments[0]!.rateRps).toBe(2.5);
  });
});

describe('planThresholds', () => {
  it('turns the SLO into a p99 per recorded endpoint, a failure rate over measured requests and no dropped iterations', async () => {
    expect(planThresholds(await loadPlan('feed-read'))).toEqual({
      feedscale_latency_feed_read: ['p(99)<250'],
      'http_req_failed{phase:measure}': ['rate<=0.01'],
      dropped_iterations: ['count==0'],
    });
    const upload = planThresholds(await loadPlan('upload'));
    expect(Object.keys(upload)).toEqual([
      'feedscale_latency_upload_start',
      'feedscale_latency_upload_put',
      'feedscale_latency_upload_complete',
      'http_req_failed{phase:measure}',
      'dropped_iterations',
    ]);
  });
});

describe('createIterationClock', () => {
  it('starts constant-rate iteration j at j / rate, as the open-loop schedule does', async () => {
    const plan = await loadPlan('feed-read');
    const clock = createIterationClock(plan);
    expect(clock.plannedIterations).toBe(150 * 25);
    expect(clock.firstMeasuredIndex).toBe(150 * 5);
    expect(clock.measuredIterations).toBe(150 * 20);
    const schedule = createArrivalSchedule(plan.arrival.kind === 'constant' ? plan.arrival : { kind: 'constant', rateRps: 1 }, 25);
    for (let j = 0; j < 1000; j++) expect(clock.startS(j)).toBeCloseTo(schedule.next()! / 1e9, 9);
  });

  it('starts ramping iteration j where the area under the rate reaches j + 1, as k6 schedules it', () => {
    const plan = STEPPED;
    const clock = createIterationClock(plan);
    expect(clock.plannedIterations).toBe(50 * 5 + 50 * 10 + 100 * 10 + 150 * 10 + 200 * 10 + 300 * 10);
    expect(clock.startS(0)).toBeCloseTo(1 / 50, 12);
    // The 250th event closes the 5 s warm-up step at exactly 5 s, so it is the first measured one.
    expect(clock.startS(249)).toBeCloseTo(5, 12);
    expect(clock.firstMeasuredIndex).toBe(249);
    // First event of the 100 rps step (after 250 + 500 at 50 rps) comes 10 ms into it.
    expect(clock.startS(750)).toBeCloseTo(15.01, 9);
    expect(clock.startS(clock.plannedIterations)).toBe(Infinity);
  });

  it('measures everything when the plan has no warm-up', () => {
    const plan = validatePlan({ name: 'cold', arrival: { kind: 'constant', rateRps: 10 }, warmupS: 0, durationS: 3, mix: { 'feed.read': 1 } });
    const clock = createIterationClock(plan);
    expect(clock.firstMeasuredIndex).toBe(0);
    expect(clock.isMeasured(0)).toBe(true);
    expect(clock.measuredIterations).toBe(30);
  });
});
