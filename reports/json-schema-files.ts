import type { TSchema } from '@sinclair/typebox';
import { ReportSchema, REPORT_SCHEMA_VERSION } from './report-schema.ts';
import { RESULT_SCHEMA_VERSION, RunResultSchema } from '../lib/result-schema.ts';
import { CALIBRATION_SCHEMA_VERSION, CalibrationSchema } from '../simulator/calibration/calibration-schema.ts';

/** Where the committed JSON Schema files live, relative to the repository root. */
export const JSON_SCHEMA_DIR = 'reports/json-schema';

/**
 * The JSON Schema files of the result and report formats, by file name. TypeBox schemas are
 * JSON Schema already; this only adds the draft, an id and a title. Pure, so a test can
 * compare it with the committed files (see json-schema-files.test.ts).
 */
export function jsonSchemaFiles(): Record<string, string> {
  return {
    'result.schema.json': render(RunResultSchema, 'result', RESULT_SCHEMA_VERSION, 'feedscale run result (one configuration, plan and repeat)'),
    'report.schema.json': render(ReportSchema, 'report', REPORT_SCHEMA_VERSION, 'feedscale report (runs, summary and comparison)'),
    'calibration.schema.json': render(CalibrationSchema, 'calibration', CALIBRATION_SCHEMA_VERSION, 'feedscale calibration of the reference-stack model (calibration.json)'),
  };
}

function render(schema: TSchema, name: string, version: number, title: string): string {
  const document = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `urn:feedscale:${name}:v${version}`,
    title,
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
