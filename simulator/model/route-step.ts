import { Type, type Static } from '@sinclair/typebox';
import { ServiceTimeSchema } from './service-time.ts';

/**
 * The steps of a route, in order. A route is data: the analytical solver sums and convolves it,
 * the DES compiles it into a small program (des/compiled-model.ts).
 */

export const VisitStepSchema = Type.Object(
  {
    kind: Type.Literal('visit'),
    stationId: Type.String({ minLength: 1 }),
    count: Type.Number({
      minimum: 0,
      default: 1,
      description:
        'Mean number of consecutive visits. A fractional mean is drawn per request by stochastic rounding: ' +
        'floor(count) + Bernoulli(count - floor(count)), the integer count with that mean and the least variance.',
    }),
    demand: ServiceTimeSchema,
    delay: Type.Optional(ServiceTimeSchema),
    delayHoldsThread: Type.Boolean({
      default: false,
      description:
        'Whether `delay` (non-CPU wait: disk, network, a downstream call) keeps the thread: true for a Postgres ' +
        'backend waiting on I/O, false for a Node event loop whose awaits free it. Never holds a core.',
    }),
  },
  { additionalProperties: false, description: 'Wait for a thread of the station, use `demand` CPU-seconds on its host, then `delay`.' },
);
export type VisitStep = Static<typeof VisitStepSchema>;

export const AcquireStepSchema = Type.Object(
  { kind: Type.Literal('acquire'), poolId: Type.String({ minLength: 1 }) },
  { additionalProperties: false, description: 'Take a token of the pool, waiting FIFO if none is free.' },
);
export type AcquireStep = Static<typeof AcquireStepSchema>;

export const ReleaseStepSchema = Type.Object(
  { kind: Type.Literal('release'), poolId: Type.String({ minLength: 1 }) },
  { additionalProperties: false, description: 'Give back the token taken by the matching acquire.' },
);
export type ReleaseStep = Static<typeof ReleaseStepSchema>;

export const SpawnStepSchema = Type.Object(
  {
    kind: Type.Literal('spawn'),
    classId: Type.String({ minLength: 1 }),
    count: Type.Number({ minimum: 0, default: 1, description: 'Mean number of child jobs started now (stochastic rounding, as for visits).' }),
  },
  {
    additionalProperties: false,
    description: 'Start asynchronous child jobs of another class (e.g. feed fan-out after an upload); the parent does not wait for them.',
  },
);
export type SpawnStep = Static<typeof SpawnStepSchema>;

export const SimpleStepSchema = Type.Union([VisitStepSchema, AcquireStepSchema, ReleaseStepSchema, SpawnStepSchema]);
export type SimpleStep = Static<typeof SimpleStepSchema>;

export const BranchArmSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "e.g. 'hit', 'miss'." }),
    probability: Type.Number({ minimum: 0, maximum: 1 }),
    steps: Type.Array(SimpleStepSchema),
  },
  { additionalProperties: false },
);
export type BranchArm = Static<typeof BranchArmSchema>;

export const BranchStepSchema = Type.Object(
  {
    kind: Type.Literal('branch'),
    id: Type.String({ minLength: 1, description: 'Unique in its class; schedule events name it to change the probabilities.' }),
    arms: Type.Array(BranchArmSchema, { minItems: 1, description: 'Probabilities sum to 1. One level: arms hold no branches.' }),
  },
  { additionalProperties: false, description: 'Follow one arm, drawn per request (e.g. cache hit: memcached only; miss: memcached, pgbouncer, postgres).' },
);
export type BranchStep = Static<typeof BranchStepSchema>;

export const RouteStepSchema = Type.Union([VisitStepSchema, AcquireStepSchema, ReleaseStepSchema, SpawnStepSchema, BranchStepSchema]);
export type RouteStep = Static<typeof RouteStepSchema>;
