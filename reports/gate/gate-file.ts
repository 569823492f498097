import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from '../../lib/validate.ts';
import { DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES } from '../stats/bootstrap.ts';
import { parseThresholds, type Threshold } from './threshold.ts';

/**
 * A gate file: the thresholds a candidate must meet, committed next to the code it guards.
 *
 * @example
 * { "thresholds": ["feed.read:p(99)<=+10%", "*:error_rate<0.01", "*:throughput>=-5%"] }
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
      description: 'Confidence level of the bootstrap intervals relative thresholds are judged on',
    }),
    resamples: Type.Integer({ minimum: 100, maximum: 100_000, default: DEFAULT_RESAMPLES, description: 'Bootstrap resamples per interval' }),
  },
  { additionalProperties: false },
);
export type GateFile = Static<typeof GateFileSchema>;

export interface GateConfig {
  thresholds: Threshold[];
  confidence: number;
  resamples: number;
}

/** Validates a parsed gate file and its expressions; throws CFG_ERR_INVALID naming each problem. */
export function parseGateFile(input: unknown, source = 'gate file'): GateConfig {
  const file = validateConfig(GateFileSchema, input, source);
  return { thresholds: parseThresholds(file.thresholds), confidence: file.confidence, resamples: file.resamples };
}
