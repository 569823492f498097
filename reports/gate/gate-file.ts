import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from '../../lib/validate.ts';
import { DEFAULT_CONFIDENCE } from '../stats/intervals.ts';
import { parseThresholds, type Threshold } from './threshold.ts';

/**
 * A gate file: the thresholds a candidate must meet, committed next to the code it guards.
 *
 * @example
 * { "thresholds": ["feed.read:p(99)<=+10%", "*:failure_rate<0.01", "server:pg_queries_per_req<=+10%"] }
 */
export const GateFileSchema = Type.Object(
  {
    thresholds: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Expressions <endpoint>:<metric><operator><limit>; see reports/gate/threshold.ts',
    }),
    confidence: Type.Number({
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: DEFAULT_CONFIDENCE,
      description: 'Confidence level of the intervals every threshold is judged on (docs/statistics.md)',
    }),
  },
  { additionalProperties: false },
);
export type GateFile = Static<typeof GateFileSchema>;

export interface GateConfig {
  thresholds: Threshold[];
  confidence: number;
}

/** Validates a parsed gate file and its expressions; throws CFG_ERR_INVALID naming each problem. */
export function parseGateFile(input: unknown, source = 'gate file'): GateConfig {
  const file = validateConfig(GateFileSchema, input, source);
  return { thresholds: parseThresholds(file.thresholds), confidence: file.confidence };
}
