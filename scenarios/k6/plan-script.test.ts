/**
 * Runs the real scripts, bundled as k6 would load them, against a stand-in for the k6 runtime:
 * k6 itself cannot be installed here. The stand-in replaces only the k6 modules (http answers
 * from a table instead of the network, metrics keep their samples, SharedArray calls its
 * callback once, exec counts iterations) and the init globals (open, __ENV). It checks the
 * script's side of the contract: which requests go out in which order, what gets recorded,
 * and what handleSummary writes. k6's scheduling, its summary aggregation and its real HTTP
 * client are not exercised (see the report of what needs a real k6).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { build, type Plugin } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerFormats } from '../../lib/formats.ts';
import { RunResultSchema } from '../../lib/result-schema.ts';
import { loadPlan } from '../plans/load-plan.ts';
import { createRequestGenerator } from '../requests/request-generator.ts';
import type { Population } from '../workload/population-schema.ts';
import { createIterationClock } from './lib/plan-to-options.ts';
import type { K6SummaryData, K6SummaryMetric } from './lib/summary-to-result.ts';

registerFormats();

const K6_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(K6_DIR, '..', '..');

interface SentRequest {
  method: string;
  url: string;
  body: unknown;
  params: { tags?: Record<string, string>; timeout?: string; responseType?: string; headers?: Record<string, string> };
}

interface FakeK6 {
  iteration: number;
  sent: SentRequest[];
  samples: Map<string, { kind: 'counter' | 'trend'; values: number[] }>;
  sharedArrayCalls: Map<string, number>;
  respond: (method: string, url: string) => { status: number; body?: string };
}

/** The k6 modules as tiny ESM sources that delegate to globalThis.__fakeK6. */
const FAKE_MODULES: Record<string, string> = {
  'k6/http': `
    const request = (method, url, body, params) => {
      const fake = globalThis.__fakeK6;
      fake.sent.push({ method, url, body, params: params ?? {} });
      const { status, body: text } = fake.respond(method, url);
      return { status, error_code: status >= 400 ? 1000 + status : 0, body: params && params.responseType === 'text' ? text ?? '' : null, timings: { duration: 1 + (fake.sent.length % 7) } };
    };
    export default { request };`,
  'k6/execution': `
    export default { scenario: { get iterationInTest() { return globalThis.__fakeK6.iteration; } } };`,
  'k6/metrics': `
    class Metric {
      constructor(name, kind) { this.name = name; globalThis.__fakeK6.samples.set(name, { kind, values: [] }); }
      add(value) { globalThis.__fakeK6.samples.get(this.name).values.push(value); }
    }
    export class Counter extends Metric { constructor(name) { super(name, 'counter'); } }
    export class Trend extends Metric { constructor(name) { super(name, 'trend'); } }`,
  'k6/data': `
    export class SharedArray {
      constructor(name, callback) {
        const calls = globalThis.__fakeK6.sharedArrayCalls;
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return JSON.parse(JSON.stringify(callback()));
      }
    }`,
};

const fakeK6Plugin: Plugin = {
  name: 'fake-k6',
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'fake-k6' }));
    b.onLoad({ filter: /.*/, namespace: 'fake-k6' }, (args) => {
      const contents = FAKE_MODULES[args.path];
      if (contents === undefined) throw new Error(`no stand-in for ${args.path}`);
      return { contents, loader: 'js' };
    });
  },
};

const population: Population = {
  userIds: Array.from({ length: 40 }, (_, i) => String(1_000_000 + i)),
  mediaIds: Array.from({ length: 60 }, (_, i) => String(2_000_000 + i)),
  hotMediaIds: ['2000059'],
  celebrityUserIds: ['1000039'],
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'k6-script-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  delete (globalThis as Record<string, unknown>).__fakeK6;
  delete (globalThis as Record<string, unknown>).__ENV;
  delete (globalThis as Record<string, unknown>).open;
});

interface LoadedScript {
  options: { scenarios: Record<string, unknown>; thresholds: Record<string, string[]> };
  iteration: () => void;
  handleSummary: (data: K6SummaryData) => Record<string, string>;
  fake: FakeK6;
}

async function loadScript(name: string, env: Record<string, string>, respond: FakeK6['respond']): Promise<LoadedScript> {
  const bundle = await build({
    entryPoints: [join(K6_DIR, 'plan.k6.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    absWorkingDir: REPO_ROOT,
    plugins: [fakeK6Plugin],
    logLevel: 'silent',
  });
  const file = join(dir, `${name}.mjs`);
  await writeFile(file, bundle.outputFiles[0]!.text);
  const fake: FakeK6 = { iteration: 0, sent: [], samples: new Map(), sharedArrayCalls: new Map(), respond };
  const g = globalThis as Record<string, unknown>;
  g.__fakeK6 = fake;
  g.__ENV = { FEEDSCALE_PLAN: `../plans/${name}.json`, ...env };
  // k6's open() resolves relative paths against the script's folder.
  g.open = (path: string) => readFileSync(resolve(K6_DIR, path), 'utf8');
  const mod = (await import(pathToFileURL(file).href)) as { options: LoadedScript['options']; default: () => void; handleSummary: LoadedScript['handleSummary'] };
  return { options: mod.options, iteration: mod.default, handleSummary: mod.handleSummary, fake };
}

function run(script: LoadedScript, iterations: number): void {
  for (let i = 0; i < iterations; i++) {
    script.fake.iteration = i;
    script.iteration();
  }
}

/** What k6 would aggregate from the samples, in the documented summary shape. */
function summarize(fake: FakeK6, testRunDurationMs: number): K6SummaryData {
  const metrics: Record<string, K6SummaryMetric> = {};
  for (const [name, { kind, values }] of fake.samples) {
    if (values.length === 0) continue;
    if (kind === 'counter') {
      const count = values.reduce((a, b) => a + b, 0);
      metrics[name] = { type: 'counter', contains: 'default', values: { count, rate: count / (testRunDurationMs / 1000) } };
    } else {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
      metrics[name] = {
        type: 'trend',
        contains: 'time',
        values: { avg: values.reduce((a, b) => a + b, 0) / values.length, min: sorted[0]!, med: at(50), max: sorted.at(-1)!, 'p(50)': at(50), 'p(90)': at(90), 'p(99)': at(99), 'p(99.9)': at(99.9), count: values.length },
      };
    }
  }
  return { metrics, state: { testRunDurationMs }, options: {}, root_group: {} };
}

describe('a bundled k6 script on a stand-in k6 runtime', () => {
  it('sends request i of the seeded stream on iteration i and records only the measured window', async () => {
    const populationPath = join(dir, 'population.json');
    await writeFile(populationPath, JSON.stringify(population));
    const env = { BASE_URL: 'http://127.0.0.1:8080/prefix/', FEEDSCALE_POPULATION: populationPath, FEEDSCALE_SEED: '9', FEEDSCALE_OUT: join(dir, 'result.json') };
    const script = await loadScript('like-storm', env, () => ({ status: 200 }));
    const plan = await loadPlan('like-storm');
    const clock = createIterationClock(plan);
    expect(script.options.scenarios.plan).toMatchObject({ executor: 'constant-arrival-rate', rate: 120 });

    run(script, clock.plannedIterations);

    const generator = createRequestGenerator({ ...plan.targeting, seed: 9, mix: plan.mix, population });
    const expected = Array.from({ length: clock.plannedIterations }, () => generator.next());
    expect(script.fake.sent.map((r) => `${r.method} ${r.url}`)).toEqual(expected.map((s) => `${s.method} http://127.0.0.1:8080/prefix${s.path}`));
    expect(script.fake.sent[0]!.params).toMatchObject({ timeout: '2000ms', tags: { phase: 'warmup' } });
    expect(script.fake.sent.at(-1)!.params.tags).toMatchObject({ phase: 'measure', endpoint: expected.at(-1)!.endpoint });
    expect(script.fake.sharedArrayCalls.get('feedscale-requests')).toBe(1);

    const files = script.handleSummary(summarize(script.fake, 25_000));
    const result = JSON.parse(files[env.FEEDSCALE_OUT]!);
    expect(Value.Check(RunResultSchema, result)).toBe(true);
    const measured = expected.slice(clock.firstMeasuredIndex);
    const sentOf = (endpoint: string) => result.endpoints.find((e: { endpoint: string }) => e.endpoint === endpoint)?.sent;
    expect(sentOf('media.like')).toBe(measured.filter((s) => s.endpoint === 'media.like').length);
    expect(sentOf('feed.read')).toBe(measured.filter((s) => s.endpoint === 'feed.read').length);
    expect(result.generator).toMatchObject({ valid: true, intendedRateRps: 120, achievedRateRps: 120 });
    expect(files.stdout).toMatch(/plan like-storm/);
  });

  it('finishes each upload: PUT to the presigned URL, then complete, each on its own row', async () => {
    const populationPath = join(dir, 'population.json');
    await writeFile(populationPath, JSON.stringify(population));
    const env = { BASE_URL: 'http://127.0.0.1:8080', FEEDSCALE_POPULATION: populationPath, FEEDSCALE_SEED: '4', FEEDSCALE_OUT: join(dir, 'result.json') };
    let uploads = 0;
    const script = await loadScript('upload', env, (method, url) => {
      if (method === 'POST' && /\/uploads$/.test(url)) {
        uploads++;
        const uploadId = `00000000-0000-4000-8000-${String(uploads).padStart(12, '0')}`;
        return { status: 201, body: JSON.stringify({ uploadId, objectKey: 'k', uploadUrl: `http://127.0.0.1:4568/media/u/${uploadId}.jpg?X-Amz-Signature=abc`, expiresInS: 900 }) };
      }
      if (method === 'PUT') return { status: 200 };
      if (/\/complete$/.test(url)) return { status: 201 };
      return { status: 404 };
    });
    run(script, 3);

    expect(script.fake.sent.map((r) => r.method)).toEqual(['POST', 'PUT', 'POST', 'POST', 'PUT', 'POST', 'POST', 'PUT', 'POST']);
    const [start, put, complete] = script.fake.sent;
    expect(start!.params.responseType).toBe('text');
    expect(put!.url).toBe('http://127.0.0.1:4568/media/u/00000000-0000-4000-8000-000000000001.jpg?X-Amz-Signature=abc');
    expect(put!.params.headers).toEqual({ 'content-type': 'image/jpeg' });
    expect(new Uint8Array(put!.body as ArrayBuffer).slice(0, 2)).toEqual(new Uint8Array([0xff, 0xd8]));
    expect(complete!.url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/users\/1\d{6}\/uploads\/00000000-0000-4000-8000-000000000001\/complete$/);
    expect(complete!.params.tags).toMatchObject({ endpoint: 'upload.complete' });
  });

  it('refuses a presigned URL that leaves this machine and counts it as a bad upload response', async () => {
    const populationPath = join(dir, 'population.json');
    await writeFile(populationPath, JSON.stringify(population));
    const env = { BASE_URL: 'http://127.0.0.1:8080', FEEDSCALE_POPULATION: populationPath, FEEDSCALE_SEED: '4', FEEDSCALE_OUT: join(dir, 'result.json') };
    const script = await loadScript('upload', env, () => ({
      status: 201,
      body: JSON.stringify({ uploadId: '00000000-0000-4000-8000-000000000001', uploadUrl: 'https://s3.amazonaws.com/bucket/key' }),
    }));
    const clock = createIterationClock(await loadPlan('upload'));
    run(script, clock.firstMeasuredIndex + 2);
    expect(script.fake.sent.every((r) => r.method === 'POST' && r.url.startsWith('http://127.0.0.1:8080/'))).toBe(true);
    const result = JSON.parse(script.handleSummary(summarize(script.fake, 25_000))[env.FEEDSCALE_OUT]!);
    expect(result.endpoints).toEqual([expect.objectContaining({ endpoint: 'upload.start', sent: 2, ok: 0, errors: { bad_upload_response: 2 } })]);
  });

  it('refuses a non-loopback BASE_URL while loading, before any request', async () => {
    await expect(loadScript('feed-read', { BASE_URL: 'http://192.168.1.10:8080', FEEDSCALE_POPULATION: '/x', FEEDSCALE_SEED: '1' }, () => ({ status: 200 }))).rejects.toThrow(
      /must point at this machine/,
    );
  });
});
