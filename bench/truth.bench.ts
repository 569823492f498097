/**
 * Truth benchmark: does a driver report the latency a stalling server really gave?
 *
 * Load shape: 200 rps for 30 s (after 1 s of warm-up) against a server on 127.0.0.1 that
 * answers at once except that it holds ALL responses during 1 s out of every 10 s (the last
 * second of each period, counted from the first request it receives).
 *
 * Ground truth, from the schedule alone: a request intended at time t (relative to the
 * server's clock) inside a stall window [w, w + S) waits until w + S, i.e. w + S - t;
 * any other request waits ~0 (service time). With stall fraction f = S/P = 1/10, latencies
 * are 0 with probability 1 - f and uniform on (0, S] otherwise, so the q-quantile is
 *   L(q) = S * (q - (1 - f)) / f   for q > 1 - f:   p99 = 900 ms, p99.9 = 990 ms, max = 1000 ms.
 * The table's truth row is that formula applied to the exact intended times of the run
 * (200 rps, constant arrivals), which differs from the continuous values only by the 5 ms
 * spacing of arrivals. The server's clock starts with the first (warm-up) request, a few
 * ms after the engine's t=0; that offset only shifts which requests fall in a stall, not
 * the distribution (error < the 5 ms spacing).
 *
 * Target: the open-loop engine's fromIntended p99 and p99.9 within 5% of the truth.
 * Shown for comparison, with no target: autocannon closed loop (10 connections, the
 * mode feedscale uses for throughput only), autocannon `overallRate: 200` (labelled: the
 * mode we do not trust for latency), and k6 constant-arrival-rate if `k6` is on PATH.
 * Results also go to out/bench/truth.json.
 */
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../lib/errors.ts';
import { createLatencyHistogram, percentilesOf, recordUs } from '../lib/histogram.ts';
import type { EndpointResult } from '../lib/result-schema.ts';
import type { Percentiles } from '../lib/percentiles-schema.ts';
import { runClosedLoop } from '../scenarios/engines/autocannon-driver.ts';
import { runOpenLoop } from '../scenarios/engines/open-loop-engine.ts';
import { createCyclicSource } from '../scenarios/engines/request-source.ts';
import type { EngineRun } from '../scenarios/engines/run-result.ts';
import { startServerProcess } from './server-process.ts';
import { fmtMs, fmtRatio, printTable } from './table.ts';

const RATE_RPS = 200;
const DURATION_S = 30;
const WARMUP_S = 1;
const PERIOD_MS = 10_000;
const STALL_MS = 1_000;
const TOLERANCE = 0.05;
const CLOSED_LOOP_CONNECTIONS = 10;
const OUT_FILE = join('out', 'bench', 'truth.json');

interface Row {
  driver: string;
  note: string;
  requests: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Exact truth for constant arrivals in the measured window (see the formula above). */
function groundTruth(): Percentiles {
  const histogram = createLatencyHistogram();
  const periodUs = PERIOD_MS * 1000;
  const stallStartUs = (PERIOD_MS - STALL_MS) * 1000;
  const count = RATE_RPS * (WARMUP_S + DURATION_S);
  for (let i = RATE_RPS * WARMUP_S; i < count; i++) {
    const tUs = (i * 1e6) / RATE_RPS;
    const inPeriodUs = tUs % periodUs;
    // 1 us stands for "answered at once" (the histogram's floor).
    recordUs(histogram, inPeriodUs >= stallStartUs ? periodUs - inPeriodUs : 1);
  }
  return percentilesOf(histogram);
}

const source = () => createCyclicSource([{ endpoint: 'bench.get', method: 'GET', path: '/' }]);

function rowOf(driver: string, note: string, run: EngineRun, pick: (e: EndpointResult) => Percentiles): Row {
  const endpoint = run.endpoints[0];
  if (!endpoint) throw new Error(`${driver}: no endpoint in result`);
  const p = pick(endpoint);
  return { driver, note, requests: p.count, achievedRps: run.generator.achievedRateRps, p50Ms: p.p50Ms, p99Ms: p.p99Ms, p999Ms: p.p999Ms, maxMs: p.maxMs };
}

async function openLoopRow(): Promise<{ row: Row; run: EngineRun }> {
  await using server = await startServerProcess(['stall', String(PERIOD_MS), String(STALL_MS)]);
  const run = await runOpenLoop({
    baseUrl: server.url,
    source: source(),
    arrival: { kind: 'constant', rateRps: RATE_RPS },
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    // A stall holds S x rate = 200 requests; leave room so none is unserved.
    maxInFlight: 1000,
    timeoutMs: 10_000,
  });
  return { row: rowOf('open-loop (feedscale)', 'fromIntended', run, (e) => e.fromIntended.percentiles), run };
}

async function closedLoopRow(): Promise<Row> {
  await using server = await startServerProcess(['stall', String(PERIOD_MS), String(STALL_MS)]);
  const run = await runClosedLoop({
    baseUrl: server.url,
    source: source(),
    connections: CLOSED_LOOP_CONNECTIONS,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
    timeoutMs: 10_000,
  });
  return rowOf(`autocannon closed loop, ${CLOSED_LOOP_CONNECTIONS} conn`, 'throughput mode; no rate', run, (e) => e.fromSend.percentiles);
}

/** autocannon's own rate mode and its own numbers: shown to document why we do not use it. */
async function autocannonRateRow(): Promise<Row> {
  await using server = await startServerProcess(['stall', String(PERIOD_MS), String(STALL_MS)]);
  const result = await autocannon({
    url: server.url,
    connections: CLOSED_LOOP_CONNECTIONS,
    overallRate: RATE_RPS,
    duration: WARMUP_S + DURATION_S,
    timeout: 10,
  });
  const l = result.latency as unknown as Record<string, number>;
  return {
    driver: 'autocannon overallRate=200',
    note: 'NOT TRUSTED (ms resolution, bursty)',
    requests: result.requests.total,
    achievedRps: result.requests.total / (WARMUP_S + DURATION_S),
    p50Ms: l.p50 ?? Number.NaN,
    p99Ms: l.p99 ?? Number.NaN,
    p999Ms: l.p99_9 ?? Number.NaN,
    maxMs: l.max ?? Number.NaN,
  };
}

/** k6 constant-arrival-rate, if installed; its http_req_duration is measured from send. */
async function k6Row(): Promise<Row | undefined> {
  if (spawnSync('k6', ['version'], { stdio: 'ignore' }).status !== 0) {
    console.log('note: no `k6` binary on PATH; k6 row skipped.');
    return undefined;
  }
  await using server = await startServerProcess(['stall', String(PERIOD_MS), String(STALL_MS)]);
  mkdirSync(join('out', 'bench'), { recursive: true });
  const script = join('out', 'bench', 'truth.k6.js');
  const summary = join('out', 'bench', 'truth.k6-summary.json');
  writeFileSync(
    script,
    `import http from 'k6/http';
export const options = { scenarios: { truth: { executor: 'constant-arrival-rate', rate: ${RATE_RPS}, timeUnit: '1s',
  duration: '${WARMUP_S + DURATION_S}s', preAllocatedVUs: 300, maxVUs: 1000 } } };
export default function () { http.get('${server.url}/'); }
`,
  );
  const k6 = spawnSync('k6', ['run', '--quiet', `--summary-export=${summary}`, '--summary-trend-stats=p(50),p(99),p(99.9),max', script], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (k6.status !== 0) {
    console.log(`note: k6 exited with ${k6.status}; k6 row skipped.`);
    return undefined;
  }
  const metrics = (JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, Record<string, number>> }).metrics;
  const d = metrics.http_req_duration ?? {};
  const reqs = metrics.http_reqs?.count ?? 0;
  return {
    driver: 'k6 constant-arrival-rate',
    note: 'from send; dropped_iterations not shown',
    requests: reqs,
    achievedRps: reqs / (WARMUP_S + DURATION_S),
    p50Ms: d['p(50)'] ?? Number.NaN,
    p99Ms: d['p(99)'] ?? Number.NaN,
    p999Ms: d['p(99.9)'] ?? Number.NaN,
    maxMs: d.max ?? Number.NaN,
  };
}

const truth = groundTruth();
console.log(`truth bench: ${RATE_RPS} rps for ${DURATION_S} s (+${WARMUP_S} s warm-up), server holds all responses ${STALL_MS} ms of every ${PERIOD_MS} ms`);
console.log('running open loop...');
const open = await openLoopRow();
console.log('running autocannon closed loop...');
const closed = await closedLoopRow();
console.log('running autocannon overallRate...');
const rate = await autocannonRateRow();
const k6 = await k6Row();

const truthRow: Row = { driver: 'TRUTH (from schedule)', note: 'L(q)=S(q-(1-f))/f', requests: truth.count, achievedRps: RATE_RPS, ...truth };
const rows = [open.row, closed, rate, ...(k6 ? [k6] : [])];
console.log();
printTable(
  ['driver', 'note', 'requests', 'rps', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'p99/truth', 'p99.9/truth'],
  [truthRow, ...rows].map((r) => [
    r.driver,
    r.note,
    String(r.requests),
    r.achievedRps.toFixed(0),
    fmtMs(r.p50Ms),
    fmtMs(r.p99Ms),
    fmtMs(r.p999Ms),
    fmtMs(r.maxMs),
    fmtRatio(r.p99Ms / truth.p99Ms),
    fmtRatio(r.p999Ms / truth.p999Ms),
  ]),
);

const p99Ratio = open.row.p99Ms / truth.p99Ms;
const p999Ratio = open.row.p999Ms / truth.p999Ms;
const pass = Math.abs(p99Ratio - 1) <= TOLERANCE && Math.abs(p999Ratio - 1) <= TOLERANCE;
const g = open.run.generator;
console.log(
  `\nopen-loop generator: valid=${g.valid} cpu=${g.cpuCoreFraction.toFixed(2)} core, send lag p99=${g.sendLagP99Ms.toFixed(2)} ms, ` +
    `event-loop delay p99=${g.eventLoopDelayP99Ms.toFixed(1)} ms${g.reasons.length ? `, reasons: ${g.reasons.join('; ')}` : ''}`,
);
console.log(`target: open-loop p99 and p99.9 within ${TOLERANCE * 100}% of truth -> ${pass ? 'PASS' : 'FAIL'} (p99 ${fmtRatio(p99Ratio)}, p99.9 ${fmtRatio(p999Ratio)})`);

mkdirSync(join('out', 'bench'), { recursive: true });
writeFileSync(
  OUT_FILE,
  `${JSON.stringify({ rateRps: RATE_RPS, durationS: DURATION_S, warmupS: WARMUP_S, periodMs: PERIOD_MS, stallMs: STALL_MS, tolerance: TOLERANCE, truth, rows, openLoopGenerator: g, target: { p99Ratio, p999Ratio, pass } }, null, 2)}\n`,
);
console.log(`wrote ${OUT_FILE}`);
process.exit(pass ? ExitCode.OK : ExitCode.GATE_FAILED);
