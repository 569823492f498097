import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import { buildReport } from '../build-report.ts';
import { ReportSchema, SummaryRowSchema } from '../report-schema.ts';
import { RunResultSchema } from '../../lib/result-schema.ts';
import { standardInput } from '../testing/run-fixtures.ts';
import { parseReportJson, renderJson, validateReport } from './json.ts';

const report = buildReport(standardInput());

describe('renderJson', () => {
  it('round-trips: the parsed JSON equals the report and passes validation', () => {
    const text = renderJson(report);
    expect(JSON.parse(text)).toEqual(report);
    expect(validateReport(text)).toEqual([]);
    expect(parseReportJson(text)).toEqual(report);
  });

  it('indents with two spaces, ends with a newline and gives equal bytes for equal reports', () => {
    const text = renderJson(report);
    expect(text.startsWith('{\n  "schemaVersion": 2,\n  "metadata": {\n    "feedscaleVersion"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(renderJson(buildReport(standardInput()))).toBe(text);
  });

  it('writes object keys in schema order whatever order the objects were built in', () => {
    const reversed = (value: object) => Object.fromEntries(Object.entries(value).reverse());
    const scrambled = {
      ...reversed(report),
      runs: report.runs.map(reversed),
      summary: report.summary.map(reversed),
    } as typeof report;
    const parsed = JSON.parse(renderJson(scrambled)) as Record<string, unknown> & { runs: object[]; summary: object[] };
    // Optional parts (serverSummary and attribution without server metrics, ...) are absent: the order of the rest is the schema's.
    expect(Object.keys(parsed)).toEqual(Object.keys(ReportSchema.properties).filter((k) => k in report));
    // Optional fields (steps, server, costs, ...) are absent in these runs: the order of the rest is the schema's.
    expect(Object.keys(parsed.runs[0]!)).toEqual(Object.keys(RunResultSchema.properties).filter((k) => k in report.runs[0]!));
    expect(Object.keys(parsed.summary[0]!)).toEqual(Object.keys(SummaryRowSchema.properties));
    expect(renderJson(scrambled)).toBe(renderJson(report));
  });

  it('sorts the keys of records such as errors by kind', () => {
    const run = report.runs[0]!;
    const endpoint = { ...run.endpoints[0]!, errors: { timeout: 1, ECONNREFUSED: 2, status_503: 3 } };
    const changed = { ...report, runs: [{ ...run, endpoints: [endpoint] }, ...report.runs.slice(1)] };
    const parsed = JSON.parse(renderJson(changed)) as typeof report;
    expect(Object.keys(parsed.runs[0]!.endpoints[0]!.errors)).toEqual(['ECONNREFUSED', 'status_503', 'timeout']);
  });

  it('writes bigints (64-bit IDs in a stack config) as decimal strings instead of throwing', () => {
    const id = 2n ** 63n - 1n;
    const changed = { ...report, configurations: [{ name: 'memcached-on', description: '', stack: { celebrityUserId: id } }] };
    const parsed = JSON.parse(renderJson(changed)) as typeof report;
    expect(parsed.configurations[0]!.stack).toEqual({ celebrityUserId: '9223372036854775807' });
  });

  it('writes dates inside a stack config as ISO strings, like JSON.stringify', () => {
    const changed = { ...report, configurations: [{ name: 'memcached-on', description: '', stack: { since: new Date(Date.UTC(2011, 11, 1)) } }] };
    const parsed = JSON.parse(renderJson(changed)) as typeof report;
    expect(parsed.configurations[0]!.stack).toEqual({ since: '2011-12-01T00:00:00.000Z' });
  });
});

describe('validateReport', () => {
  it('names the path of a missing percentile in a summary row', () => {
    const broken = JSON.parse(renderJson(report)) as { summary: Array<{ fromIntended: Record<string, unknown> }> };
    delete broken.summary[1]!.fromIntended.p99Ms;
    const issues = validateReport(broken);
    expect(issues.map((i) => i.path)).toContain('/summary/1/fromIntended/p99Ms');
  });

  it('names the path of a wrong type, a bad date and an unknown field', () => {
    const broken = JSON.parse(renderJson(report)) as Record<string, any>;
    broken.comparison.endpoints[0].verdictUsable = 'yes';
    broken.metadata.createdAt = 'yesterday';
    broken.metadata.host.gpus = 1;
    const paths = validateReport(broken).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/comparison/endpoints/0/verdictUsable', '/metadata/createdAt', '/metadata/host/gpus']));
  });

  it('reports text that is not JSON as one issue at the root', () => {
    expect(validateReport('{"schemaVersion": 1,')).toEqual([{ path: '', message: expect.stringMatching(/^not JSON: /) }]);
  });

  it('parseReportJson throws CFG_ERR_FILE listing each issue with its path', () => {
    const broken = JSON.parse(renderJson(report)) as Record<string, any>;
    broken.schemaVersion = 99;
    let caught: unknown;
    try {
      parseReportJson(JSON.stringify(broken), 'out/report.json');
    } catch (err) {
      caught = err;
    }
    expect(isFeedscaleError(caught) && caught.code).toBe('CFG_ERR_FILE');
    expect((caught as Error).message).toMatch(/^out\/report\.json is not a valid report:/);
    expect(isFeedscaleError(caught) && caught.details.some((d) => d.startsWith('/schemaVersion: '))).toBe(true);
  });
});
