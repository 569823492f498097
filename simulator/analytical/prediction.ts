import { Type, type Static } from '@sinclair/typebox';

/** What the open-network solver predicts (analytical/open-network.ts). Times in seconds; null where no steady state exists. */

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const StationPredictionSchema = Type.Object(
  {
    stationId: Type.String(),
    tier: Type.String(),
    hostId: Type.String(),
    replicas: Type.Integer(),
    visitRateRps: Type.Number({ description: 'Visits per second to one replica.' }),
    meanDemandS: Type.Number({ description: 'Mean CPU demand per visit, reference-core seconds.' }),
    slowdown: Type.Union([Type.Number(), Type.Null()], { description: 'Host-contention stretch of the CPU phase (1 = a core of its own); null on a saturated host.' }),
    meanHoldingS: Type.Union([Type.Number(), Type.Null()], { description: 'Mean time a visit holds a thread: slowdown · demand / speedFactor + thread-holding delay.' }),
    threadUtilisation: Type.Number({ description: 'ρ = λ · holding / threads (for a processor-sharing station: busy cores / host cores).' }),
    cpuCores: Type.Number({ description: 'Cores this station keeps busy on one replica (utilisation law).' }),
    waitProbability: Type.Number(),
    meanWaitS: NullableNumber,
    meanResponseS: Type.Union([Type.Number(), Type.Null()], { description: 'Per visit: wait + holding (free delays excluded).' }),
    meanQueueLength: Type.Union([Type.Number(), Type.Null()], { description: 'Mean jobs waiting for a thread (Little: λ · W_q).' }),
    saturated: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type StationPrediction = Static<typeof StationPredictionSchema>;

export const HostPredictionSchema = Type.Object(
  {
    hostId: Type.String(),
    cores: Type.Integer(),
    replicas: Type.Integer(),
    cpuUtilisation: Type.Number({ description: 'Busy cores / cores on one replica.' }),
    saturated: Type.Boolean(),
    contentionConverged: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type HostPrediction = Static<typeof HostPredictionSchema>;

export const PoolPredictionSchema = Type.Object(
  {
    poolId: Type.String(),
    copies: Type.Integer(),
    acquireRateRps: Type.Number({ description: 'Acquisitions per second of one copy.' }),
    meanHoldingS: Type.Union([Type.Number(), Type.Null()], { description: 'Mean time a token is held: the mean response of the steps between acquire and release; null when one of them has no steady state.' }),
    utilisation: Type.Number({ description: 'Mean tokens held / size.' }),
    waitProbability: Type.Number(),
    meanWaitS: NullableNumber,
    saturated: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type PoolPrediction = Static<typeof PoolPredictionSchema>;

export const PercentilesSchema = Type.Object(
  {
    p50S: NullableNumber,
    p90S: NullableNumber,
    p99S: NullableNumber,
    p999S: Type.Union([Type.Number(), Type.Null()], { description: 'null when the level lies in tail mass the grid could not hold (see massOnGrid).' }),
  },
  { additionalProperties: false },
);
export type Percentiles = Static<typeof PercentilesSchema>;

export const ClassPredictionSchema = Type.Object(
  {
    classId: Type.String(),
    arrivalRateRps: Type.Number({ description: 'Generator rate plus spawned child jobs, fleet-wide.' }),
    stable: Type.Boolean(),
    saturatedAt: Type.Array(Type.String(), { description: 'Ids of saturated stations, hosts or pools on its route: why it has no steady state.' }),
    meanResponseS: NullableNumber,
    percentiles: Type.Union([PercentilesSchema, Type.Null()], { description: 'null when unstable or not requested.' }),
    massOnGrid: Type.Union([Type.Number(), Type.Null()], { description: 'Probability the percentile grid held (1 = the whole distribution).' }),
    timeoutProbability: Type.Union([Type.Number(), Type.Null()], { description: 'P(response > timeoutS) from the distribution, when the class has a timeout.' }),
  },
  { additionalProperties: false },
);
export type ClassPrediction = Static<typeof ClassPredictionSchema>;

export const BottleneckSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('station'), Type.Literal('host'), Type.Literal('pool'), Type.Literal('none')]),
    id: Type.Union([Type.String(), Type.Null()]),
    maxRateScale: Type.Union([Type.Number(), Type.Null()], {
      description:
        'Factor on every arrival rate at which this resource reaches ρ = 1 (bottleneck bound, X <= c / D, with contention-free demands). null when nothing is loaded.',
    }),
    maxThroughputRps: Type.Union([Type.Number(), Type.Null()], { description: 'maxRateScale times the total generator rate.' }),
  },
  { additionalProperties: false },
);
export type Bottleneck = Static<typeof BottleneckSchema>;

export const NetworkPredictionSchema = Type.Object(
  {
    stable: Type.Boolean({ description: 'False when any loaded station, host or pool has ρ >= 1.' }),
    classes: Type.Array(ClassPredictionSchema),
    stations: Type.Array(StationPredictionSchema),
    hosts: Type.Array(HostPredictionSchema),
    pools: Type.Array(PoolPredictionSchema),
    bottleneck: BottleneckSchema,
    notes: Type.Array(Type.String(), { description: 'The approximations this prediction used.' }),
  },
  { additionalProperties: false },
);
export type NetworkPrediction = Static<typeof NetworkPredictionSchema>;
