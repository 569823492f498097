import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FeedscaleError } from '../../lib/errors.ts';
import { listIssues, type ConfigIssue } from '../../lib/validate.ts';
import { registerFormats } from '../../lib/formats.ts';
import { ReportSchema, type Report } from '../report-schema.ts';

export type ReportIssue = ConfigIssue;

/**
 * The report as stable JSON: 2-space indent, trailing newline, object keys in schema order
 * (record keys sorted), so equal reports give equal bytes and diffs stay readable.
 * BigInts (e.g. 64-bit IDs inside a stack config) become decimal strings: a JSON number
 * would silently lose precision above 2^53.
 */
export function renderJson(report: Report): string {
  return `${JSON.stringify(orderBySchema(ReportSchema, report), null, 2)}\n`;
}

/** Every way `input` (a parsed value or JSON text) breaks the report schema, with JSON paths. */
export function validateReport(input: unknown): ReportIssue[] {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      return [{ path: '', message: `not JSON: ${(err as Error).message}` }];
    }
  }
  registerFormats();
  return listIssues(ReportSchema, value);
}

/** Parses report.json text; throws CFG_ERR_FILE listing every schema issue. */
export function parseReportJson(text: string, source = 'report.json'): Report {
  const issues = validateReport(text);
  if (issues.length > 0) {
    const lines = issues.map((i) => `${i.path || '/'}: ${i.message}`);
    throw new FeedscaleError('CFG_ERR_FILE', `${source} is not a valid report:\n  ${lines.join('\n  ')}`, { details: lines });
  }
  return JSON.parse(text) as Report;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Rebuilds `value` with keys in the order `schema` declares them; unknown parts keep their own order. */
function orderBySchema(schema: TSchema | undefined, value: unknown): Json {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value as Json;
  // Dates and similar inside a stack config serialize as JSON.stringify would serialize them.
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return orderBySchema(schema, toJSON.call(value));
  if (schema?.anyOf) return orderBySchema(pickVariant(schema.anyOf as TSchema[], value), value);
  if (Array.isArray(value)) return value.map((item) => orderBySchema(schema?.items as TSchema | undefined, item));
  const record = value as Record<string, unknown>;
  const out: { [key: string]: Json } = {};
  const properties = schema?.properties as Record<string, TSchema> | undefined;
  if (properties) {
    for (const key of Object.keys(properties)) {
      if (record[key] !== undefined) out[key] = orderBySchema(properties[key], record[key]);
    }
  }
  const patterns = schema?.patternProperties as Record<string, TSchema> | undefined;
  const valueSchema = patterns ? Object.values(patterns)[0] : undefined;
  // Keys the schema does not declare are kept (validation then reports them), never dropped.
  const rest = Object.keys(record).filter((key) => !(properties && key in properties) && record[key] !== undefined);
  if (patterns) rest.sort();
  for (const key of rest) out[key] = orderBySchema(valueSchema, record[key]);
  return out;
}

function pickVariant(variants: readonly TSchema[], value: unknown): TSchema | undefined {
  registerFormats();
  return variants.find((v) => Value.Check(v, value)) ?? variants.find((v) => v.type === 'object');
}
