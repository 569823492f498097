import { request } from 'undici';
import type { Collector, Timed } from './collector.ts';
import { type Bucket, histogramQuantile, parsePrometheusText } from './prometheus-text.ts';
import type { QueueMetrics } from '../../lib/server-metrics-schema.ts';

/**
 * The job queues (fan-out and push), read from one worker's /metrics every second:
 * `feedscale_queue_depth{queue,state}` (waiting + active + delayed, sampled by the worker on
 * each scrape) and `feedscale_queue_lag_seconds{queue}` (enqueue to done, a histogram over all
 * workers' jobs of that process). Depth is shared state in Redis, so one worker's view is the
 * queue's; lag covers the jobs that worker ran.
 */
export interface QueueSample {
  depth: Map<string, number>;
  lag: Map<string, { count: number; sumS: number; buckets: Bucket[] }>;
}

export function toQueueSample(text: string): QueueSample {
  const depth = new Map<string, number>();
  const lag = new Map<string, { count: number; sumS: number; buckets: Bucket[] }>();
  const lagOf = (queue: string) => {
    let entry = lag.get(queue);
    if (!entry) lag.set(queue, (entry = { count: 0, sumS: 0, buckets: [] }));
    return entry;
  };
  for (const s of parsePrometheusText(text)) {
    const queue = s.labels.queue;
    if (!queue) continue;
    if (s.name === 'feedscale_queue_depth') depth.set(queue, (depth.get(queue) ?? 0) + s.value);
    else if (s.name === 'feedscale_queue_lag_seconds_count') lagOf(queue).count = s.value;
    else if (s.name === 'feedscale_queue_lag_seconds_sum') lagOf(queue).sumS = s.value;
    else if (s.name === 'feedscale_queue_lag_seconds_bucket') lagOf(queue).buckets.push({ le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le), count: s.value });
  }
  return { depth, lag };
}

/** Per queue: depth over time and the lag of the jobs completed during the run (first to last sample). */
export function summarizeQueues(samples: readonly Timed<QueueSample>[]): QueueMetrics[] {
  const first = samples[0]?.value;
  const last = samples.at(-1)?.value;
  if (!first || !last) return [];
  const names = new Set([...last.depth.keys(), ...last.lag.keys()]);
  return [...names].sort().map((queue) => {
    const depths = samples.map((s) => s.value.depth.get(queue) ?? 0);
    const a = first.lag.get(queue) ?? { count: 0, sumS: 0, buckets: [] };
    const b = last.lag.get(queue) ?? { count: 0, sumS: 0, buckets: [] };
    const jobs = Math.max(0, b.count - a.count);
    const during = b.buckets.map((bucket) => ({ le: bucket.le, count: bucket.count - (a.buckets.find((x) => x.le === bucket.le)?.count ?? 0) }));
    const p99S = jobs > 0 ? histogramQuantile(0.99, during) : null;
    return {
      queue,
      series: samples.map((s) => ({ tS: s.tS, depth: s.value.depth.get(queue) ?? 0 })),
      summary: {
        depthMax: Math.max(...depths),
        depthMean: depths.reduce((x, y) => x + y, 0) / depths.length,
        jobsCompleted: jobs,
        lagMsMean: jobs > 0 ? ((b.sumS - a.sumS) / jobs) * 1000 : null,
        lagP99Ms: p99S === null ? null : p99S * 1000,
      },
    };
  });
}

export function createQueueCollector(workerUrl: string): Collector<QueueSample, QueueMetrics[]> {
  return {
    name: 'queues',
    sample: async (signal) => {
      const res = await request(`${workerUrl}/metrics`, { method: 'GET', signal });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET ${workerUrl}/metrics answered ${res.statusCode}`);
      return toQueueSample(text);
    },
    summarize: async (samples) => summarizeQueues(samples),
    close: async () => {},
  };
}
