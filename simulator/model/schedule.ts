import { Type, type Static } from '@sinclair/typebox';

/**
 * Time-varying inputs as data: a list of parameter changes at given times (piecewise constant).
 * A step change of load is one event; a ramp or a cache warm-up curve is a list of them
 * (cache/cold-start.ts builds one from Che's approximation).
 */
export const SetRateEventSchema = Type.Object(
  {
    atS: Type.Number({ minimum: 0 }),
    kind: Type.Literal('set-rate'),
    classId: Type.String({ minLength: 1 }),
    rateRps: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const SetBranchEventSchema = Type.Object(
  {
    atS: Type.Number({ minimum: 0 }),
    kind: Type.Literal('set-branch'),
    classId: Type.String({ minLength: 1 }),
    branchId: Type.String({ minLength: 1 }),
    probabilities: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'One per arm, in arm order; they sum to 1.' }),
  },
  { additionalProperties: false },
);

export const ScheduleEventSchema = Type.Union([SetRateEventSchema, SetBranchEventSchema]);
export type ScheduleEvent = Static<typeof ScheduleEventSchema>;
