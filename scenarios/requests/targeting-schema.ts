import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_ACTIVITY_EXPONENT, DEFAULT_FOLLOW_TARGET_EXPONENT, DEFAULT_LIKE_TARGET_EXPONENT } from './targeting-defaults.ts';

/**
 * How the request generator picks actors and targets. Plans carry it (`plan.targeting`) and the
 * engines pass it to createRequestGenerator. Every field is a Zipf exponent; 0 means uniform.
 */
export const TargetingSchema = Type.Object(
  {
    activityExponent: Type.Number({
      minimum: 0,
      maximum: 10,
      default: DEFAULT_ACTIVITY_EXPONENT,
      description: 'Zipf exponent of which user acts, over the population user list. Assumption.',
    }),
    likeTargetExponent: Type.Number({
      minimum: 0,
      maximum: 10,
      default: DEFAULT_LIKE_TARGET_EXPONENT,
      description: 'Zipf exponent of which media is liked or read, hot media first. Assumption.',
    }),
    followTargetExponent: Type.Number({
      minimum: 0,
      maximum: 10,
      default: DEFAULT_FOLLOW_TARGET_EXPONENT,
      description: 'Zipf exponent of who gets followed, celebrities first. Assumption.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type Targeting = Static<typeof TargetingSchema>;
