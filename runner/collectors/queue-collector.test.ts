import { describe, expect, it } from 'vitest';
import { summarizeQueues, toQueueSample } from './queue-collector.ts';

const scrape = (waiting: number, count: number, sumS: number, le50ms: number) => `
# HELP feedscale_queue_depth Jobs per queue and state.
feedscale_queue_depth{queue="fan-out",state="waiting"} ${waiting}
feedscale_queue_depth{queue="fan-out",state="active"} 1
feedscale_queue_depth{queue="push",state="waiting"} 0
feedscale_queue_lag_seconds_bucket{queue="fan-out",le="0.05"} ${le50ms}
feedscale_queue_lag_seconds_bucket{queue="fan-out",le="0.5"} ${count}
feedscale_queue_lag_seconds_bucket{queue="fan-out",le="+Inf"} ${count}
feedscale_queue_lag_seconds_sum{queue="fan-out"} ${sumS}
feedscale_queue_lag_seconds_count{queue="fan-out"} ${count}
`;

describe('the queue collector', () => {
  it('adds up the states of a queue into its depth', () => {
    const sample = toQueueSample(scrape(7, 0, 0, 0));
    expect(sample.depth.get('fan-out')).toBe(8);
    expect(sample.depth.get('push')).toBe(0);
  });

  it('reports the lag of the jobs completed between the first and the last sample only', () => {
    const samples = [
      { tS: 0, value: toQueueSample(scrape(0, 100, 10, 50)) },
      { tS: 1, value: toQueueSample(scrape(30, 150, 12, 100)) },
      { tS: 2, value: toQueueSample(scrape(4, 200, 14, 150)) },
    ];
    const [fanOut, push] = summarizeQueues(samples);
    expect(fanOut).toMatchObject({ queue: 'fan-out', summary: { depthMax: 31, jobsCompleted: 100 } });
    expect(fanOut!.summary.lagMsMean).toBeCloseTo(40, 6); // (14 - 10) s over 100 jobs
    // All 100 jobs of the window fell in the first bucket (<= 50 ms): p99 interpolates inside it.
    expect(fanOut!.summary.lagP99Ms).toBeCloseTo(49.5, 6);
    expect(fanOut!.series.map((p) => p.depth)).toEqual([1, 31, 5]);
    expect(push).toMatchObject({ queue: 'push', summary: { jobsCompleted: 0, lagMsMean: null, lagP99Ms: null } });
  });
});
