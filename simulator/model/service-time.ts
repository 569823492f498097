import { Type, type Static } from '@sinclair/typebox';

/**
 * A service-time (or delay) distribution as data, in seconds. Every kind has a mean and a
 * squared coefficient of variation (SCV = Var / mean²) that service-time-moments.ts derives:
 * the analytical solver needs them (Pollaczek–Khinchine, Allen–Cunneen), the DES samples them.
 */

export const DeterministicTimeSchema = Type.Object(
  {
    kind: Type.Literal('deterministic'),
    meanS: Type.Number({ minimum: 0, description: 'The constant value, seconds. SCV 0.' }),
  },
  { additionalProperties: false },
);

export const ExponentialTimeSchema = Type.Object(
  {
    kind: Type.Literal('exponential'),
    meanS: Type.Number({ exclusiveMinimum: 0, description: 'Mean, seconds. SCV 1.' }),
  },
  { additionalProperties: false },
);

export const LognormalTimeSchema = Type.Object(
  {
    kind: Type.Literal('lognormal'),
    meanS: Type.Number({ exclusiveMinimum: 0, description: 'Arithmetic mean, seconds.' }),
    cv: Type.Number({ minimum: 0, description: 'Coefficient of variation (standard deviation / mean); SCV = cv². 0 is deterministic.' }),
  },
  { additionalProperties: false },
);

export const QuantilePointSchema = Type.Object(
  {
    p: Type.Number({ minimum: 0, maximum: 1, description: 'Cumulative probability.' }),
    valueS: Type.Number({ minimum: 0, description: 'The p-quantile, seconds.' }),
  },
  { additionalProperties: false },
);

export const EmpiricalQuantilesTimeSchema = Type.Object(
  {
    kind: Type.Literal('empirical-quantiles'),
    quantiles: Type.Array(QuantilePointSchema, {
      minItems: 2,
      description:
        'A measured quantile table, p from 0 (the minimum) to 1 (the maximum), both increasing. The CDF is ' +
        'piecewise linear between the points (values uniform inside each band).',
    }),
  },
  { additionalProperties: false },
);

export const EmpiricalSamplesTimeSchema = Type.Object(
  {
    kind: Type.Literal('empirical-samples'),
    samplesS: Type.Array(Type.Number({ minimum: 0 }), {
      minItems: 1,
      description: 'Measured values, seconds; each draw picks one uniformly (the empirical distribution).',
    }),
  },
  { additionalProperties: false },
);

export const ServiceTimeSchema = Type.Union(
  [DeterministicTimeSchema, ExponentialTimeSchema, LognormalTimeSchema, EmpiricalQuantilesTimeSchema, EmpiricalSamplesTimeSchema],
  { description: 'A time distribution in seconds: deterministic, exponential, lognormal (mean + cv) or empirical.' },
);
export type ServiceTime = Static<typeof ServiceTimeSchema>;
export type EmpiricalQuantilesTime = Static<typeof EmpiricalQuantilesTimeSchema>;
