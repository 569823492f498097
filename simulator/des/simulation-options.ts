import { Type, type Static } from '@sinclair/typebox';

/** How to run the discrete-event simulation of a model (des/simulate.ts). */
export const SimulationOptionsSchema = Type.Object(
  {
    durationS: Type.Number({ exclusiveMinimum: 0, description: 'Simulated time from 0; requests arriving in [warmupS, durationS) are measured.' }),
    warmupS: Type.Number({ minimum: 0, default: 0, description: 'Initial transient discarded from every statistic.' }),
    drainS: Type.Number({
      minimum: 0,
      default: 60,
      description: 'After durationS, keep simulating (arrivals go on, unmeasured) until every measured request is done or this much time has passed; the rest are counted incomplete.',
    }),
    seed: Type.Integer({ default: 1, description: 'Root seed; replication r uses the stream forked as "replication/r".' }),
    replications: Type.Integer({ minimum: 1, default: 1, description: 'Independent runs with different streams; >= 2 gives t-intervals.' }),
    confidenceLevel: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 }),
    reduction: Type.Union([Type.Literal('none'), Type.Literal('representative-replica')], {
      default: 'none',
      description: "'representative-replica' simulates one replica of every host group with filler load (des/representative-replica.ts): much faster for large fleets.",
    }),
  },
  { additionalProperties: false },
);
export type SimulationOptions = Static<typeof SimulationOptionsSchema>;
