/**
 * Driver-cost benchmark: what does one request cost the open-loop engine, and how fast can
 * it go on one core, next to wrk (C, closed loop, the cheapest common HTTP driver)?
 *
 * Load shape: a tiny local endpoint (bench/server-main.ts "tiny" in its own process, or the
 * loopback URL in FEEDSCALE_BENCH_URL, e.g. an nginx already running here). After a 2 s
 * throw-away run (module loading and JIT), the open-loop engine runs 5 s (+1 s warm-up) at
 * rising constant rates until its generator health says it was the bottleneck; a step that
 * fails health is re-run once, so that one hiccup of a shared machine does not end the ramp.
 * wrk runs 5 s with 1 thread and 64 connections.
 *
 * CPU per request is the engine process's CPU over the measured window (the generator health
 * probe) divided by the requests sent in it. On this kind of VM much of it is the price of
 * waking an idle event loop per request, which falls as the rate rises; the "tiny" server's
 * own CPU per request is printed beside it as a baseline of that price, measured in the same
 * run (a node:http server that does nothing but answer).
 *
 * Target: the engine sustains >= 2,000 rps with valid generator health (the top of the
 * rates feedscale runs, see scenarios/engines/open-loop-engine.ts). The CPU-per-request
 * ratio to wrk is printed for information; wrk is expected to be far cheaper.
 */
import { spawnSync } from 'node:child_process';
import { ExitCode } from '../lib/errors.ts';
import { assertLoopbackUrl } from '../lib/loopback.ts';
import { runOpenLoop } from '../scenarios/engines/open-loop-engine.ts';
import { createCyclicSource } from '../scenarios/engines/request-source.ts';
import { startServerProcess, type StartedServerProcess } from './server-process.ts';
import { fmtRatio, printTable } from './table.ts';

const RATES_RPS = [500, 1000, 2000, 4000, 8000, 16000];
const DURATION_S = 5;
const WARMUP_S = 1;
const TARGET_RPS = 2000;
const WRK_CONNECTIONS = 64;

interface EngineStep {
  rateRps: number;
  achievedRps: number;
  cpuUsPerRequest: number;
  /** The tiny server's CPU per request over the whole step (NaN when it is not ours). */
  serverCpuUsPerRequest: number;
  cpuCoreFraction: number;
  sendLagP99Ms: number;
  valid: boolean;
  reasons: string[];
}

async function engineStep(url: string, rateRps: number, durationS = DURATION_S): Promise<EngineStep> {
  const serverCpuBefore = server?.cpuSeconds() ?? Number.NaN;
  const run = await runOpenLoop({
    baseUrl: url,
    source: createCyclicSource([{ endpoint: 'bench.get', method: 'GET', path: '/' }]),
    arrival: { kind: 'constant', rateRps },
    durationS,
    warmupS: WARMUP_S,
    maxInFlight: 256,
    timeoutMs: 5000,
  });
  const g = run.generator;
  const serverCpuS = (server?.cpuSeconds() ?? Number.NaN) - serverCpuBefore;
  return {
    rateRps,
    achievedRps: g.achievedRateRps,
    // cpuCoreFraction is CPU / wall time over the measured window: per second, per request sent.
    cpuUsPerRequest: g.achievedRateRps > 0 ? (g.cpuCoreFraction * 1e6) / g.achievedRateRps : Number.NaN,
    serverCpuUsPerRequest: (serverCpuS * 1e6) / (g.achievedRateRps * (durationS + WARMUP_S)),
    cpuCoreFraction: g.cpuCoreFraction,
    sendLagP99Ms: g.sendLagP99Ms,
    valid: g.valid,
    reasons: g.reasons,
  };
}

/** wrk's throughput and CPU (bash `times` reports the finished child's user and system time). */
function runWrk(url: string): { rps: number; cpuUsPerRequest: number } | undefined {
  if (spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error) {
    console.log('note: no `wrk` binary (apt-get install -y wrk); wrk baseline skipped.');
    return undefined;
  }
  const out = spawnSync('bash', ['-c', `wrk -t1 -c${WRK_CONNECTIONS} -d${DURATION_S}s "$0"; times`, url], { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in/.exec(out.stdout)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]);
  // `times` prints two lines (shell, then children): "0m1.234s 0m0.567s".
  const childLine = out.stdout.trim().split('\n').at(-1) ?? '';
  const seconds = [...childLine.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  if (!(requests > 0) || !(rps > 0)) {
    console.log(`note: could not parse wrk output; wrk baseline skipped.\n${out.stdout}${out.stderr}`);
    return undefined;
  }
  return { rps, cpuUsPerRequest: (seconds * 1e6) / requests };
}

let server: StartedServerProcess | undefined;
const url = process.env.FEEDSCALE_BENCH_URL ?? (server = await startServerProcess(['tiny'])).url;
assertLoopbackUrl(url);
console.log(`driver-cost bench against ${url}${server ? ' (tiny node:http server, own process)' : ' (FEEDSCALE_BENCH_URL)'}`);

await engineStep(url, RATES_RPS[0] ?? 500, 2);
const steps: EngineStep[] = [];
for (const rateRps of RATES_RPS) {
  let step = await engineStep(url, rateRps);
  if (!step.valid) {
    steps.push(step);
    step = await engineStep(url, rateRps);
  }
  steps.push(step);
  if (!step.valid) break;
}
const wrk = runWrk(url);
await server?.stop();

console.log();
printTable(
  ['driver', 'rate asked', 'achieved rps', 'cpu us/req', 'server cpu us/req', 'cpu core', 'send lag p99 ms', 'valid'],
  [
    ...steps.map((s) => [
      'open-loop',
      String(s.rateRps),
      s.achievedRps.toFixed(0),
      s.cpuUsPerRequest.toFixed(1),
      Number.isFinite(s.serverCpuUsPerRequest) ? s.serverCpuUsPerRequest.toFixed(1) : '-',
      s.cpuCoreFraction.toFixed(2),
      s.sendLagP99Ms.toFixed(2),
      s.valid ? 'yes' : `no: ${s.reasons.join('; ')}`,
    ]),
    ...(wrk ? [['wrk (closed, 64 conn)', 'max', wrk.rps.toFixed(0), wrk.cpuUsPerRequest.toFixed(1), '-', '-', '-', '-']] : []),
  ],
);

const validSteps = steps.filter((s) => s.valid);
const maxValid = validSteps.at(-1);
const maxValidRps = maxValid?.achievedRps ?? 0;
if (wrk && maxValid) {
  console.log(`\nopen-loop / wrk: cpu per request ${fmtRatio(maxValid.cpuUsPerRequest / wrk.cpuUsPerRequest)}, max rate ${fmtRatio(maxValidRps / wrk.rps)}`);
}
if (maxValid && Number.isFinite(maxValid.serverCpuUsPerRequest)) {
  console.log(`open-loop / tiny server: cpu per request ${fmtRatio(maxValid.cpuUsPerRequest / maxValid.serverCpuUsPerRequest)} at ${maxValid.rateRps} rps`);
}
const pass = maxValidRps >= TARGET_RPS * 0.95;
console.log(`target: open-loop sustains >= ${TARGET_RPS} rps with valid generator health -> ${pass ? 'PASS' : 'FAIL'} (max valid ${maxValidRps.toFixed(0)} rps)`);
process.exit(pass ? ExitCode.OK : ExitCode.GATE_FAILED);
