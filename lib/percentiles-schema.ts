import { Type, type Static } from '@sinclair/typebox';

/** Latency percentiles of one histogram, in milliseconds (from microsecond-resolution data). */
export const PercentilesSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 0 }),
    minMs: Type.Number(),
    meanMs: Type.Number(),
    p50Ms: Type.Number(),
    p90Ms: Type.Number(),
    p99Ms: Type.Number(),
    p999Ms: Type.Number(),
    maxMs: Type.Number(),
  },
  { additionalProperties: false },
);
export type Percentiles = Static<typeof PercentilesSchema>;
