import { Type, type Static } from '@sinclair/typebox';
import { IntervalEstimateSchema } from '../stats/confidence-interval.ts';

/**
 * The result of simulate(): per class, station, host and pool, each statistic as a t-interval
 * over replications (IntervalEstimate; one replication gives a mean with no half-width).
 * Latencies run from arrival to completion; a timed-out request counts at exactly its timeout.
 */
const MaybeInterval = Type.Union([IntervalEstimateSchema, Type.Null()], { description: 'null when no replication had data for it.' });

export const LatencyIntervalsSchema = Type.Object(
  { meanMs: MaybeInterval, p50Ms: MaybeInterval, p90Ms: MaybeInterval, p99Ms: MaybeInterval, p999Ms: MaybeInterval, maxMs: MaybeInterval },
  { additionalProperties: false },
);
export type LatencyIntervals = Static<typeof LatencyIntervalsSchema>;

export const PooledPercentilesSchema = Type.Object(
  { count: Type.Integer(), p50Ms: Type.Number(), p90Ms: Type.Number(), p99Ms: Type.Number(), p999Ms: Type.Number(), maxMs: Type.Number() },
  { additionalProperties: false, description: 'All replications merged into one histogram (3 significant digits).' },
);

export const ClassResultSchema = Type.Object(
  {
    classId: Type.String(),
    arrivals: Type.Integer({ description: 'Measured arrivals, all replications (a sample of 1/sampleFraction fewer under a reduction).' }),
    completed: Type.Integer(),
    failed: Type.Integer({ description: 'Timed out (latency censored at the timeout).' }),
    unserved: Type.Integer({ description: 'Refused by the in-flight cap.' }),
    incomplete: Type.Integer({ description: 'Still running when the drain ended.' }),
    throughputRps: MaybeInterval,
    latency: LatencyIntervalsSchema,
    pooled: Type.Union([PooledPercentilesSchema, Type.Null()]),
    histogram: Type.Union([Type.String(), Type.Null()], { description: 'Merged latency histogram, microseconds, hdr-histogram-js compressed base64.' }),
  },
  { additionalProperties: false },
);
export type ClassResult = Static<typeof ClassResultSchema>;

export const StationResultSchema = Type.Object(
  {
    stationId: Type.String(),
    meanBusyThreads: MaybeInterval,
    threadUtilisation: Type.Union([IntervalEstimateSchema, Type.Null()], { description: 'Busy threads / threads; null for a processor-sharing station.' }),
    meanQueueLength: MaybeInterval,
    cpuCores: Type.Union([IntervalEstimateSchema, Type.Null()], { description: 'Cores kept busy (CPU-seconds per second), per replica.' }),
  },
  { additionalProperties: false, description: 'Per replica of the station (averaged over replicas).' },
);
export type StationResult = Static<typeof StationResultSchema>;

export const HostResultSchema = Type.Object(
  { hostId: Type.String(), cpuUtilisation: MaybeInterval },
  { additionalProperties: false },
);
export type HostResult = Static<typeof HostResultSchema>;

export const PoolResultSchema = Type.Object(
  { poolId: Type.String(), utilisation: MaybeInterval, meanQueueLength: MaybeInterval, meanWaitMs: MaybeInterval },
  { additionalProperties: false },
);
export type PoolResult = Static<typeof PoolResultSchema>;

export const SimulationResultSchema = Type.Object(
  {
    durationS: Type.Number(),
    warmupS: Type.Number(),
    seed: Type.Integer(),
    replications: Type.Integer(),
    reduction: Type.String(),
    sampleFraction: Type.Number({ description: 'Share of the traffic measured: 1, or 1/K under the representative-replica reduction (throughput is scaled back to the fleet).' }),
    events: Type.Integer({ description: 'Events processed, all replications.' }),
    simulatedS: Type.Number({ description: 'Simulated time, all replications, drain included.' }),
    classes: Type.Array(ClassResultSchema),
    stations: Type.Array(StationResultSchema),
    hosts: Type.Array(HostResultSchema),
    pools: Type.Array(PoolResultSchema),
  },
  { additionalProperties: false },
);
export type SimulationResult = Static<typeof SimulationResultSchema>;
