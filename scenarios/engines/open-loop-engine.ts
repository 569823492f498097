import { Pool } from 'undici';
import { FeedscaleError } from '../../lib/errors.ts';
import { assertLoopbackUrl } from '../../lib/loopback.ts';
import { createLatencyHistogram, recordUs } from '../../reports/histogram.ts';
import { checkArrivalSpec, createArrivalSchedule, type ArrivalSpec } from './arrival-schedule.ts';
import { assessGeneratorHealth, createHealthProbe } from './generator-health.ts';
import { createLatencyRecorder, type EndpointTally } from './latency-recorder.ts';
import type { RequestSource, RequestSpec } from './request-source.ts';
import type { EngineRun } from './run-result.ts';

/**
 * Open-loop load: request i starts at the time the arrival schedule gives it, whatever the
 * server is doing. Latency is measured from that intended start, so a stalled server shows
 * up as latency instead of as fewer requests (no coordinated omission).
 *
 * Single-threaded on purpose: one core sends a few thousand rps here (bench/driver-cost.bench.ts),
 * above the rates feedscale runs. To shard later, give worker w of W the arrivals
 * i ≡ w (mod W) of the same schedule and merge the encoded histograms (reports/histogram.ts
 * mergeEncoded); nothing below assumes a single sender except the in-flight cap.
 */
export interface OpenLoopOptions {
  /** Loopback only (lib/loopback.ts). A path prefix, if any, is prepended to every request path. */
  baseUrl: string;
  source: RequestSource;
  /** @example { kind: 'poisson', rateRps: 200, seed: 7 } */
  arrival: ArrivalSpec;
  /** Measured window, after the warm-up. */
  durationS: number;
  /** Requests of the warm-up are sent on schedule but not recorded. */
  warmupS: number;
  /**
   * Requests outstanding at once. A scheduled start that finds the cap reached is counted as
   * `unserved` and skipped, never delayed: delaying it would hide the server's slowness.
   */
  maxInFlight: number;
  /** Per request, from its send; a timed-out request counts as error "timeout". */
  timeoutMs: number;
  /** Connections of the pool; default maxInFlight so that a request never queues in the client. */
  connections?: number;
  /** Called about once a second with cumulative counts. */
  onProgress?: (snapshot: OpenLoopProgress) => void;
  /** Aborting stops the run; runOpenLoop then rejects with RUN_ERR_INTERRUPTED. */
  signal?: AbortSignal;
}

export interface OpenLoopProgress {
  elapsedS: number;
  phase: 'warmup' | 'measure' | 'drain';
  /** Counts since the start of the run, warm-up included. */
  sent: number;
  completed: number;
  failed: number;
  unserved: number;
  inFlight: number;
}

/** Overdue requests sent in one go before yielding to I/O, so responses keep being read. */
const MAX_SENDS_PER_TURN = 256;
const NS_PER_S = 1e9;
const NS_PER_US = 1e3;
const NS_PER_MS = 1e6;
const PROGRESS_INTERVAL_MS = 1000;

export async function runOpenLoop(options: OpenLoopOptions): Promise<EngineRun> {
  const base = assertLoopbackUrl(options.baseUrl);
  checkOptions(options);
  const { source, durationS, warmupS, maxInFlight, timeoutMs, signal } = options;
  if (signal?.aborted) throw interrupted();

  const pathPrefix = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
  const pool = new Pool(base.origin, { connections: options.connections ?? maxInFlight, pipelining: 1 });
  const schedule = createArrivalSchedule(options.arrival, warmupS + durationS);
  const recorder = createLatencyRecorder();
  const sendLag = createLatencyHistogram();
  const probe = createHealthProbe();
  const warmupEndNs = warmupS * NS_PER_S;

  const counts = { sent: 0, completed: 0, failed: 0, unserved: 0 };
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  let phase: OpenLoopProgress['phase'] = warmupS > 0 ? 'warmup' : 'measure';

  const t0 = process.hrtime.bigint();
  const nowNs = () => Number(process.hrtime.bigint() - t0);

  let wake: (() => void) | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (wakeTimer) clearTimeout(wakeTimer);
    wake?.();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const progressTimer = options.onProgress
    ? setInterval(() => options.onProgress?.({ elapsedS: nowNs() / NS_PER_S, phase, ...counts, inFlight }), PROGRESS_INTERVAL_MS)
    : undefined;
  progressTimer?.unref();

  async function send(spec: RequestSpec, intendedNs: number, tally: EndpointTally | undefined): Promise<void> {
    const sendNs = nowNs();
    if (tally) {
      tally.sent++;
      recordUs(sendLag, (sendNs - intendedNs) / NS_PER_US);
    }
    counts.sent++;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    let status = 0;
    let failure: string | undefined;
    try {
      const res = await pool.request({
        path: pathPrefix + spec.path,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        signal: controller.signal,
      });
      status = res.statusCode;
      // Latency ends with the last byte of the body, as a user would see it.
      for await (const chunk of res.body) void chunk;
    } catch (err) {
      failure = timedOut ? 'timeout' : errorKind(err);
    } finally {
      clearTimeout(timer);
    }
    const endNs = nowNs();
    inFlight--;
    if (failure === undefined) counts.completed++;
    else counts.failed++;
    if (tally) {
      // Histograms hold every response whatever its status, and every timeout at its elapsed
      // time (~timeoutMs): dropping timeouts would make a stalled server look fast. Connection
      // errors have no response time and are only counted.
      if (failure === undefined) {
        recorder.recordLatency(tally, (endNs - intendedNs) / NS_PER_US, (endNs - sendNs) / NS_PER_US);
        if (status >= 200 && status < 400) tally.ok++;
        else recorder.countError(tally, `status_${status}`);
      } else {
        if (failure === 'timeout') recorder.recordLatency(tally, (endNs - intendedNs) / NS_PER_US, (endNs - sendNs) / NS_PER_US);
        recorder.countError(tally, failure);
      }
    }
    if (inFlight === 0) onIdle?.();
  }

  function dispatch(intendedNs: number): void {
    // The source advances for every scheduled slot, served or not, so request i is the same
    // request in every run of a seed whatever the server did.
    const spec = source.next();
    const measured = intendedNs >= warmupEndNs;
    const tally = measured ? recorder.endpoint(spec.endpoint) : undefined;
    if (tally) tally.intended++;
    if (inFlight >= maxInFlight) {
      counts.unserved++;
      if (tally) tally.unserved++;
      return;
    }
    inFlight++;
    void send(spec, intendedNs, tally);
  }

  let measuring = false;
  try {
    if (warmupS === 0) {
      probe.start();
      measuring = true;
    }
    let next = schedule.next();
    while (next !== undefined && !signal?.aborted) {
      const now = nowNs();
      if (!measuring && now >= warmupEndNs) {
        probe.start();
        measuring = true;
        phase = 'measure';
      }
      let sentThisTurn = 0;
      while (next !== undefined && next <= now && sentThisTurn < MAX_SENDS_PER_TURN) {
        dispatch(next);
        next = schedule.next();
        sentThisTurn++;
      }
      if (next === undefined) break;
      const waitMs = (next - nowNs()) / NS_PER_MS;
      // Behind schedule: yield to I/O and come straight back. Ahead: sleep on a timer, which
      // Node fires up to ~1 ms late; that lateness is recorded as send lag and is part of fromIntended.
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (waitMs <= 0) setImmediate(resolve);
        else wakeTimer = setTimeout(resolve, Math.ceil(waitMs));
      });
      wake = undefined;
      wakeTimer = undefined;
    }
    if (signal?.aborted) throw interrupted();
    if (!measuring) probe.start();
    const health = probe.stop();
    phase = 'drain';
    // In-flight requests were intended inside the window: wait for them (each ends by its timeout).
    if (inFlight > 0) await new Promise<void>((resolve) => (onIdle = resolve));

    const totals = recorder.totals();
    const generator = assessGeneratorHealth({
      ...health,
      intendedRateRps: totals.intended / durationS,
      achievedRateRps: totals.sent / durationS,
      unservedRateRps: totals.unserved / durationS,
      sendLagP99Ms: sendLag.totalCount > 0 ? sendLag.getValueAtPercentile(99) / 1000 : 0,
    });
    return {
      driver: 'open-loop',
      loadModel: 'open',
      durationS,
      warmupS,
      generator,
      endpoints: recorder.toEndpointResults(durationS),
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (progressTimer) clearInterval(progressTimer);
    if (signal?.aborted) await pool.destroy().catch(() => {});
    else await pool.close().catch(() => {});
  }
}

function checkOptions(o: OpenLoopOptions): void {
  const rule = (ok: boolean, message: string) => {
    if (!ok) throw new FeedscaleError('CFG_ERR_INVALID', message);
  };
  rule(Number.isFinite(o.durationS) && o.durationS > 0, `durationS must be a positive number (got ${o.durationS})`);
  rule(Number.isFinite(o.warmupS) && o.warmupS >= 0, `warmupS must be a number >= 0 (got ${o.warmupS})`);
  rule(Number.isInteger(o.maxInFlight) && o.maxInFlight >= 1, `maxInFlight must be an integer >= 1 (got ${o.maxInFlight})`);
  rule(Number.isFinite(o.timeoutMs) && o.timeoutMs > 0, `timeoutMs must be a positive number (got ${o.timeoutMs})`);
  rule(
    o.connections === undefined || (Number.isInteger(o.connections) && o.connections >= 1),
    `connections must be an integer >= 1 (got ${o.connections})`,
  );
  checkArrivalSpec(o.arrival);
}

/** Error kind for the `errors` map: the socket error code when there is one (ECONNREFUSED, UND_ERR_SOCKET...). */
export function errorKind(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name.length > 0) return name;
  }
  return 'unknown_error';
}

function interrupted(): FeedscaleError {
  return new FeedscaleError('RUN_ERR_INTERRUPTED', 'open-loop run aborted');
}
