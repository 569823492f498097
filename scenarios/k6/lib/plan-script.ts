/**
 * The body every feedscale k6 script shares: read the plan and population, map the plan to
 * k6 options, send request i of the seeded stream on iteration i, record per-endpoint
 * metrics for the measured window, and turn k6's summary into our RunResult.
 *
 * Imports only k6 modules and relative pure modules (house rule 4). Runs in k6's init
 * context when a script calls createPlanScript at module level.
 *
 * Inputs (__ENV):
 *   BASE_URL               loopback URL of the system under test (refused otherwise, before any request)
 *   FEEDSCALE_POPULATION   path of the population JSON (scenarios/workload/population-schema.ts); absolute is safest
 *   FEEDSCALE_SEED         request-stream seed (integer), given to createRequestGenerator as is
 *   FEEDSCALE_PLAN         path of the plan JSON; default: the script's bundled plan
 *   FEEDSCALE_OUT          where handleSummary writes the RunResult JSON; default: not written
 *   FEEDSCALE_RESULT_SEED  seed recorded in the result; default FEEDSCALE_SEED
 *   FEEDSCALE_CONFIGURATION, FEEDSCALE_REPEAT   identity of the run in the result (default "k6", 0)
 *   FEEDSCALE_THRESHOLDS_OUT  where handleSummary writes the threshold outcomes JSON; default: not written
 */
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { Counter, Trend } from 'k6/metrics';
import type { Plan } from '../../plans/plan-schema.ts';
import type { RequestSpec } from '../../requests/request-generator.ts';
import type { Population } from '../../workload/population-schema.ts';
import { parsePlanText } from './k6-plan.ts';
import { parseLoopbackUrl, type LoopbackTarget } from './loopback-url.ts';
import {
  ERROR_KINDS,
  classifyResponse,
  errorMetricName,
  intendedLatencyMetricName,
  latencyMetricName,
  okMetricName,
  recordedEndpoints,
  sentMetricName,
  type ErrorKind,
  type RecordedEndpoint,
} from './metric-names.ts';
import { createIterationClock, planToOptions } from './plan-to-options.ts';
import { MAX_SHARED_REQUESTS, buildRequestStream, createSeekingSource, generatorOptionsFor, type SeekingSource } from './request-stream.ts';
import { renderTextSummary, summaryToRunResult, thresholdOutcomes, type K6SummaryData } from './summary-to-result.ts';
import { UPLOAD_CONTENT_TYPE, uploadPayload } from './upload-payload.ts';

export interface PlanScriptInputs {
  /** Text of the plan JSON (the script opens the file: open() paths are relative to the calling script). */
  planText: string;
  /** Where the plan text came from, for messages. */
  planSource: string;
}

export interface PlanScript {
  options: Options;
  iteration: () => void;
  handleSummary: (data: K6SummaryData) => Record<string, string>;
}

/** Extra requests past the planned count kept in the shared table (k6 may schedule one more at the very end). */
const TABLE_SLACK = 16;

function requiredEnv(name: string): string {
  const value = __ENV[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (see scenarios/k6/lib/plan-script.ts for the inputs)`);
  return value;
}

function integerEnv(name: string, fallback?: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') {
    if (fallback === undefined) throw new Error(`${name} is not set`);
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer (got ${JSON.stringify(raw)})`);
  return value;
}

interface EndpointMetrics {
  latency: Trend;
  latencyFromIntended: Trend;
  sent: Counter;
  ok: Counter;
  errors: Record<ErrorKind, Counter>;
}

/** Metrics must be created in the init context, so every endpoint the plan can produce gets its set up front. */
function createMetrics(endpoints: readonly RecordedEndpoint[]): Map<RecordedEndpoint, EndpointMetrics> {
  const byEndpoint = new Map<RecordedEndpoint, EndpointMetrics>();
  for (const endpoint of endpoints) {
    const errors = {} as Record<ErrorKind, Counter>;
    for (const kind of ERROR_KINDS) errors[kind] = new Counter(errorMetricName(endpoint, kind));
    byEndpoint.set(endpoint, {
      latency: new Trend(latencyMetricName(endpoint), true),
      latencyFromIntended: new Trend(intendedLatencyMetricName(endpoint), true),
      sent: new Counter(sentMetricName(endpoint)),
      ok: new Counter(okMetricName(endpoint)),
      errors,
    });
  }
  return byEndpoint;
}

/**
 * Builds a script's options, iteration and handleSummary from a plan. Call it once, at module
 * level, and export the three parts.
 *
 * @example
 * const script = createPlanScript({ planText: open(__ENV.FEEDSCALE_PLAN || '../plans/feed-read.json'), planSource: 'feed-read' });
 * export const options = script.options;
 * export default script.iteration;
 * export const handleSummary = script.handleSummary;
 */
export function createPlanScript(inputs: PlanScriptInputs): PlanScript {
  // Refuse a non-loopback target before anything else, so no VU is ever built for one.
  const target: LoopbackTarget = parseLoopbackUrl(requiredEnv('BASE_URL'));
  const plan: Plan = parsePlanText(inputs.planText, inputs.planSource);
  const seed = integerEnv('FEEDSCALE_SEED');
  const populationPath = requiredEnv('FEEDSCALE_POPULATION');
  const { options, notes } = planToOptions(plan);
  const clock = createIterationClock(plan);
  const timeout = `${plan.timeoutMs}ms`;
  const endpoints = recordedEndpoints(plan.mix);
  const metrics = createMetrics(endpoints);

  // One copy per test run, shared read-only by every VU (see request-stream.ts for the cost).
  const population = new SharedArray<Population>('feedscale-population', () => [JSON.parse(open(populationPath)) as Population]);
  const tableSize = Math.min(clock.plannedIterations + TABLE_SLACK, MAX_SHARED_REQUESTS);
  const requests = new SharedArray<RequestSpec>('feedscale-requests', () =>
    buildRequestStream(generatorOptionsFor(plan, population[0]!, seed), tableSize),
  );
  let fallback: SeekingSource | undefined;
  const requestAt = (index: number): RequestSpec => {
    if (index < requests.length) return requests[index]!;
    // Plain `if`, not `??=`: k6's JS engine (Sobek) may not parse the newest syntax.
    if (fallback === undefined) fallback = createSeekingSource(generatorOptionsFor(plan, population[0]!, seed));
    return fallback.at(index);
  };

  /**
   * Sends one request and, when measured, records it. `check` may turn a 2xx/3xx answer into a
   * failure (an upload start without a usable uploadUrl), so ok + errors always equals sent.
   */
  function send(
    endpoint: RecordedEndpoint,
    method: string,
    url: string,
    body: string | ArrayBuffer | null,
    headers: Record<string, string> | undefined,
    measured: boolean,
    intendedMs: number | undefined,
    check?: (body: string) => ErrorKind | undefined,
  ): { ok: boolean; body: string } {
    const sendMs = Date.now();
    const res = http.request(method, url, body, {
      headers,
      timeout,
      // `name` groups every URL of an endpoint under one label (paths carry IDs).
      tags: { endpoint, phase: measured ? 'measure' : 'warmup', name: endpoint },
      // Bodies are discarded (options.discardResponseBodies) except where a check reads them.
      ...(check ? { responseType: 'text' as const } : {}),
    });
    const text = typeof res.body === 'string' ? res.body : '';
    let kind = classifyResponse(res.status, res.error_code);
    if (kind === undefined && check) kind = check(text);
    if (measured) {
      const m = metrics.get(endpoint)!;
      m.sent.add(1, { endpoint });
      // As in the open-loop engine: every response is recorded whatever its status, a timeout
      // at the timeout (k6 gives it no duration), and a connection error only counted.
      if (res.status > 0) m.latency.add(res.timings.duration, { endpoint });
      else if (kind === 'timeout') m.latency.add(plan.timeoutMs, { endpoint });
      // From the intended start: the wait before the send (a late VU) is the server's too.
      // A follow-up request (upload PUT, complete) is due when the step before it ends: its send.
      const originMs = intendedMs ?? sendMs;
      if (res.status > 0) m.latencyFromIntended.add(Date.now() - originMs, { endpoint });
      else if (kind === 'timeout') m.latencyFromIntended.add(sendMs - originMs + plan.timeoutMs, { endpoint });
      if (kind === undefined) m.ok.add(1, { endpoint });
      else m.errors[kind].add(1, { endpoint });
    }
    return { ok: kind === undefined, body: text };
  }

  /** What upload.start must answer for the flow to go on; the presigned URL must stay on this machine. */
  function parseUploadStart(text: string): { uploadUrl: string; uploadId: string } | undefined {
    try {
      const { uploadUrl, uploadId } = JSON.parse(text) as { uploadUrl?: unknown; uploadId?: unknown };
      if (typeof uploadUrl !== 'string' || typeof uploadId !== 'string') return undefined;
      parseLoopbackUrl(uploadUrl, 'uploadUrl');
      return { uploadUrl, uploadId };
    } catch {
      return undefined;
    }
  }

  /** The upload flow: start, PUT the bytes to the presigned URL, complete. Each step stops the flow when it fails. */
  function upload(spec: RequestSpec, measured: boolean, intendedMs: number | undefined): void {
    const userId = /^\/users\/([0-9]+)\/uploads$/.exec(spec.path)?.[1];
    const start = send(spec.endpoint, spec.method, `${target.origin}${target.pathPrefix}${spec.path}`, spec.body ?? null, spec.headers, measured, intendedMs, (text) =>
      parseUploadStart(text) && userId !== undefined ? undefined : 'bad_upload_response',
    );
    const started = start.ok ? parseUploadStart(start.body) : undefined;
    if (!started || userId === undefined) return;
    const put = send('upload.put', 'PUT', started.uploadUrl, uploadPayload(), { 'content-type': UPLOAD_CONTENT_TYPE }, measured, undefined);
    if (!put.ok) return;
    const completeUrl = `${target.origin}${target.pathPrefix}/users/${userId}/uploads/${encodeURIComponent(started.uploadId)}/complete`;
    // The start request's headers carry the session (authorization); completing needs it too.
    send('upload.complete', 'POST', completeUrl, '{}', { ...spec.headers, 'content-type': 'application/json' }, measured, undefined);
  }

  function iteration(): void {
    // One scenario per script, so this is the run's request index: request i of the seeded stream.
    const index = exec.scenario.iterationInTest;
    const spec = requestAt(index);
    const measured = clock.isMeasured(index);
    // Arrival-rate executors start iteration i at the scenario's start plus the schedule's time
    // of i (createIterationClock): that is its intended start, whenever a VU actually ran it.
    const scenarioStartMs = exec.scenario.startTime;
    const intendedMs = typeof scenarioStartMs === 'number' && scenarioStartMs > 0 ? scenarioStartMs + clock.startS(index) * 1000 : undefined;
    if (spec.followUp === 'upload.complete') upload(spec, measured, intendedMs);
    else send(spec.endpoint, spec.method, `${target.origin}${target.pathPrefix}${spec.path}`, spec.body ?? null, spec.headers, measured, intendedMs);
  }

  function handleSummary(data: K6SummaryData): Record<string, string> {
    const result = summaryToRunResult(data, {
      plan,
      seed: integerEnv('FEEDSCALE_RESULT_SEED', seed),
      configuration: __ENV.FEEDSCALE_CONFIGURATION || 'k6',
      repeat: integerEnv('FEEDSCALE_REPEAT', 0),
      nowMs: Date.now(),
    });
    const outcomes = thresholdOutcomes(data);
    const files: Record<string, string> = { stdout: renderTextSummary(result, outcomes, notes) };
    if (__ENV.FEEDSCALE_OUT) files[__ENV.FEEDSCALE_OUT] = `${JSON.stringify(result)}\n`;
    if (__ENV.FEEDSCALE_THRESHOLDS_OUT) files[__ENV.FEEDSCALE_THRESHOLDS_OUT] = `${JSON.stringify({ outcomes, notes })}\n`;
    return files;
  }

  return { options: options satisfies Options, iteration, handleSummary };
}
