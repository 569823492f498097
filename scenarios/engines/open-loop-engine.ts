import { Pool } from 'undici';
import type { Histogram } from 'hdr-histogram-js';
import { FeedscaleError } from '../../lib/errors.ts';
import { assertLoopbackUrl } from '../../lib/loopback.ts';
import { createLatencyHistogram, recordUs } from '../../lib/histogram.ts';
import { checkArrivalSpec, createArrivalSchedule, stepWindows, type ArrivalSpec } from './arrival-schedule.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { assessGeneratorHealth, assessStepSendLag, createHealthProbe } from './generator-health.ts';
import { createLatencyRecorder, type EndpointTally, type LatencyRecorder, type MeasuredStep } from './latency-recorder.ts';
import { RequestExchange, Stage, type ExchangeOwner } from './request-exchange.ts';
import { checkPartition, globalIndexOf, partitionSchedule, partitionSource, type Partition } from './partition.ts';
import type { RequestSource, RequestSpec } from './request-source.ts';
import type { EngineRun } from './run-result.ts';
import { WriteLog } from './write-log.ts';
import {
  BAD_UPLOAD_RESPONSE,
  UPLOAD_COMPLETE,
  UPLOAD_CONTENT_TYPE,
  UPLOAD_FLOW,
  UPLOAD_PUT,
  completeHeadersOf,
  parseUploadStart,
  uploadCompleteBody,
  uploadCompletePath,
  uploadPayload,
  uploadUserId,
  type UploadFlowState,
} from './upload-flow.ts';

export { errorKind } from './request-exchange.ts';

/**
 * Open-loop load: request i starts at the time the arrival schedule gives it, whatever the
 * server is doing. Latency is measured from that intended start, so a stalled server shows
 * up as latency instead of as fewer requests (no coordinated omission).
 *
 * Single-threaded on purpose: one core sends thousands of rps (bench/driver-cost.bench.ts).
 * Beyond one core, generator-pool.ts runs W of these, generator w with `partition` {index: w,
 * count: W} (the arrivals i ≡ w (mod W) of the same schedule, with request i of the same stream)
 * and a common `startAtMs`, and merges their encoded histograms exactly (merge-runs.ts).
 *
 * Upload flow (RequestSpec.followUp === 'upload.complete' on upload.start): a 201 answer with
 * {uploadId, uploadUrl, objectKey} is followed at once by a PUT of a small deterministic JPEG
 * to uploadUrl (loopback only, its own pool per origin), then by
 * POST /users/:userId/uploads/:uploadId/complete with the start's headers. Follow-ups are not
 * part of the schedule (they never change which request i is, nor the run's rates) but the flow
 * keeps its in-flight slot until its last step ends, so maxInFlight bounds flows, not requests.
 * Result rows:
 * - upload.start, upload.put, upload.complete: each request on its own. fromSend is from its
 *   own send; fromIntended of the PUT and the complete is from the moment they became due (the
 *   previous step's end), which is their send: they are never delayed, so they omit nothing.
 * - upload.flow: the whole flow as a user sees it, fromIntended from the start's intended
 *   time to the end of the complete (fromSend from the start's send). ok = flows completed;
 *   errors are keyed "<failed step>:<kind>", e.g. "upload.put:status_403".
 * A 2xx start without a usable body or with a non-loopback uploadUrl is an upload.start error
 * "bad_upload_response", and nothing is sent to that URL. The follow-up rows are kept out of
 * the generator's rates and of the per-step breakdown (their `sent` must match the schedule).
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
   * Requests (or upload flows) outstanding at once. A scheduled start that finds the cap reached
   * is counted as `unserved` and skipped, never delayed: delaying it would hide the server's slowness.
   */
  maxInFlight: number;
  /**
   * Per request, from its send; a timed-out request counts as error "timeout" and is recorded at
   * its elapsed time. Enforced by one sweep for the whole run (deadline-queue.ts), so a timeout
   * fires up to TIMEOUT_SWEEP_MAX_MS after its deadline.
   */
  timeoutMs: number;
  /** Connections of each pool; default maxInFlight so that a request never queues in the client. */
  connections?: number;
  /** Called about once a second with cumulative counts. */
  onProgress?: (snapshot: OpenLoopProgress) => void;
  /** Aborting stops the run; runOpenLoop then rejects with RUN_ERR_INTERRUPTED. */
  signal?: AbortSignal;
  /**
   * Send only this generator's share of the schedule and the stream (partition.ts); counts,
   * rates and histograms are then this share's. Default: all of it.
   */
  partition?: Partition;
  /**
   * The run's t = 0 on this thread's performance.now() clock (ms), so that generators in several
   * processes share one schedule; a start already past is caught up at once and shows as send
   * lag. Default: when runOpenLoop is called.
   */
  startAtMs?: number;
  /**
   * Called once, just before the first send, with the run's t = 0 (performance.now()
   * milliseconds): the measured window starts warmupS later. Fault schedules align on it.
   */
  onStart?: (originMs: number) => void;
}

export interface OpenLoopProgress {
  elapsedS: number;
  phase: 'warmup' | 'measure' | 'drain';
  /** Scheduled requests since the start of the run, warm-up included (follow-ups not counted). */
  sent: number;
  /** Scheduled requests answered (any status). */
  completed: number;
  /** Scheduled requests that ended without a response (timeout, connection error). */
  failed: number;
  unserved: number;
  /** Requests and upload flows outstanding. */
  inFlight: number;
  /** Upload follow-up requests sent (PUT and complete). */
  followUps: number;
}

/** Overdue requests sent in one go before yielding to I/O, so responses keep being read. */
const MAX_SENDS_PER_TURN = 256;
/** The timeout sweep runs every timeoutMs/100, within these bounds. */
export const TIMEOUT_SWEEP_MAX_MS = 25;
const TIMEOUT_SWEEP_MIN_MS = 1;
const NS_PER_S = 1e9;
const NS_PER_US = 1e3;
const NS_PER_MS = 1e6;
const PROGRESS_INTERVAL_MS = 1000;
const PUT_HEADERS = Object.freeze({ 'content-type': UPLOAD_CONTENT_TYPE });

export async function runOpenLoop(options: OpenLoopOptions): Promise<EngineRun> {
  const base = assertLoopbackUrl(options.baseUrl);
  checkOptions(options);
  if (options.signal?.aborted) throw interrupted();
  return new OpenLoopRun(options, base).run();
}

/** A measured step with its window on the run's clock, for locating intended starts. */
interface StepLocator extends MeasuredStep {
  startNs: number;
  endNs: number;
}

/** The stepped plan's steps that overlap the measured window, clipped to it. */
function measuredSteps(arrival: ArrivalSpec, warmupS: number, durationS: number): StepLocator[] | undefined {
  if (arrival.kind !== 'steps') return undefined;
  const warmupNs = warmupS * NS_PER_S;
  const out: StepLocator[] = [];
  for (const w of stepWindows(arrival.steps, warmupS + durationS)) {
    const startNs = Math.max(w.startNs, warmupNs);
    if (w.endNs <= startNs) continue;
    out.push({ rateRps: w.rateRps, startS: (startNs - warmupNs) / NS_PER_S, durationS: (w.endNs - startNs) / NS_PER_S, startNs, endNs: w.endNs });
  }
  return out;
}

/** One run's state. Everything on the per-request path is a method or a field: no closures there. */
class OpenLoopRun implements ExchangeOwner {
  readonly #options: OpenLoopOptions;
  readonly #source: RequestSource;
  readonly #pathPrefix: string;
  readonly #connections: number;
  readonly #pools = new Map<string, Pool>();
  readonly #pool: Pool;
  readonly #recorder: LatencyRecorder;
  /** Acknowledged writes and failed requests (write-log.ts), for the audit and fault effects. */
  readonly #log: WriteLog;
  readonly #sendLag: Histogram = createLatencyHistogram();
  /** Send lag per measured step of a stepped plan (indexed like #steps). */
  readonly #stepSendLag: Histogram[] = [];
  readonly #deadlines = new DeadlineQueue<RequestExchange>();
  readonly #timeoutNs: number;
  readonly #warmupEndNs: number;
  readonly #steps: StepLocator[] | undefined;
  #stepCursor = 0;
  readonly #t0Ms: number;
  readonly #partition: Partition;
  readonly #counts = { sent: 0, completed: 0, failed: 0, unserved: 0, followUps: 0 };
  /** Measured scheduled requests sent before the window's end, and those that ended inside it. */
  readonly #window = { sentInside: 0, endedInside: 0 };
  readonly #windowEndNs: number;
  readonly #timeoutUs: number;
  #inFlight = 0;
  #slot = 0;
  #phase: OpenLoopProgress['phase'];
  #flowTally: EndpointTally | undefined;
  #putTally: EndpointTally | undefined;
  #completeTally: EndpointTally | undefined;
  #onIdle: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #wakeTimer: NodeJS.Timeout | undefined;
  #waitMs = 0;
  readonly #sleepExecutor = (resolve: () => void): void => {
    this.#wake = resolve;
    if (this.#waitMs <= 0) setImmediate(resolve);
    else this.#wakeTimer = setTimeout(resolve, Math.ceil(this.#waitMs));
  };
  readonly #onAbort = (): void => {
    if (this.#wakeTimer) clearTimeout(this.#wakeTimer);
    this.#wake?.();
    this.#onIdle?.();
  };

  constructor(options: OpenLoopOptions, base: URL) {
    this.#options = options;
    this.#t0Ms = options.startAtMs ?? performance.now();
    this.#partition = options.partition ?? { index: 0, count: 1 };
    this.#source = partitionSource(options.source, this.#partition);
    this.#pathPrefix = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
    this.#connections = options.connections ?? options.maxInFlight;
    this.#pool = this.#poolFor(base.origin);
    this.#timeoutNs = options.timeoutMs * NS_PER_MS;
    this.#warmupEndNs = options.warmupS * NS_PER_S;
    this.#windowEndNs = (options.warmupS + options.durationS) * NS_PER_S;
    this.#timeoutUs = options.timeoutMs * 1000;
    this.#steps = measuredSteps(options.arrival, options.warmupS, options.durationS);
    this.#recorder = createLatencyRecorder({ timeline: true, ...(this.#steps ? { steps: this.#steps } : {}) });
    this.#log = new WriteLog(this.#warmupEndNs);
    this.#phase = options.warmupS > 0 ? 'warmup' : 'measure';
  }

  nowNs(): number {
    return (performance.now() - this.#t0Ms) * NS_PER_MS;
  }

  async run(): Promise<EngineRun> {
    const { durationS, warmupS, signal, timeoutMs } = this.#options;
    const schedule = partitionSchedule(createArrivalSchedule(this.#options.arrival, warmupS + durationS), this.#partition);
    const probe = createHealthProbe();
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    const sweepMs = Math.min(TIMEOUT_SWEEP_MAX_MS, Math.max(TIMEOUT_SWEEP_MIN_MS, timeoutMs / 100));
    this.#deadlines.start(sweepMs, () => this.nowNs());
    const progressTimer = this.#options.onProgress ? setInterval(() => this.#reportProgress(), PROGRESS_INTERVAL_MS) : undefined;
    progressTimer?.unref();
    this.#options.onStart?.(this.#t0Ms);
    try {
      let measuring = false;
      if (warmupS === 0) {
        probe.start();
        measuring = true;
      }
      let next = schedule.next();
      while (next !== undefined && !signal?.aborted) {
        const now = this.nowNs();
        if (!measuring && now >= this.#warmupEndNs) {
          probe.start();
          measuring = true;
          this.#phase = 'measure';
        }
        let sentThisTurn = 0;
        while (next !== undefined && next <= now && sentThisTurn < MAX_SENDS_PER_TURN) {
          this.#dispatch(next);
          next = schedule.next();
          sentThisTurn++;
        }
        if (next === undefined) break;
        // Behind schedule: yield to I/O and come straight back. Ahead: sleep on a timer, which
        // Node fires up to ~1 ms late; that lateness is recorded as send lag and is part of fromIntended.
        this.#waitMs = (next - this.nowNs()) / NS_PER_MS;
        await new Promise<void>(this.#sleepExecutor);
        this.#wake = undefined;
        this.#wakeTimer = undefined;
      }
      if (signal?.aborted) throw interrupted();
      if (!measuring) probe.start();
      const health = probe.stop();
      this.#phase = 'drain';
      // In-flight requests were intended inside the window: wait for them (each ends by its timeout).
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#onIdle = resolve));
      if (signal?.aborted) throw interrupted();

      const totals = this.#recorder.totals();
      const lagMs = (percentile: number) => (this.#sendLag.totalCount > 0 ? this.#sendLag.getValueAtPercentile(percentile) / 1000 : 0);
      const generator = assessGeneratorHealth({
        ...health,
        intendedRateRps: totals.intended / durationS,
        achievedRateRps: this.#window.sentInside / durationS,
        unservedRateRps: totals.unserved / durationS,
        completedRateRps: this.#window.endedInside / durationS,
        sendLagP99Ms: lagMs(99),
        sendLagP999Ms: lagMs(99.9),
      });
      const steps = this.#recorder.toStepResults()?.map((step, i) => {
        const lag = this.#stepSendLag[i];
        const at = (p: number) => (lag && lag.totalCount > 0 ? lag.getValueAtPercentile(p) / 1000 : 0);
        return { ...step, generator: assessStepSendLag(at(99), at(99.9)) };
      });
      return {
        driver: 'open-loop',
        loadModel: 'open',
        durationS,
        warmupS,
        timeoutMs,
        generator,
        endpoints: this.#recorder.toEndpointResults(durationS),
        ...(steps ? { steps } : {}),
        writeLog: this.#log.toData(),
      };
    } finally {
      signal?.removeEventListener('abort', this.#onAbort);
      if (progressTimer) {
        clearInterval(progressTimer);
        // The final counts, so that "done (n/total)" is the run's and not the last tick's.
        if (!signal?.aborted) this.#reportProgress();
      }
      this.#deadlines.stop();
      const pools = [...this.#pools.values()];
      if (signal?.aborted) await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
      else await Promise.all(pools.map((p) => p.close().catch(() => {})));
    }
  }

  #reportProgress(): void {
    const c = this.#counts;
    this.#options.onProgress?.({
      elapsedS: this.nowNs() / NS_PER_S,
      phase: this.#phase,
      sent: c.sent,
      completed: c.completed,
      failed: c.failed,
      unserved: c.unserved,
      inFlight: this.#inFlight,
      followUps: c.followUps,
    });
  }

  #poolFor(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      // undici's own per-request parser timers are off: the DeadlineQueue enforces timeoutMs.
      pool = new Pool(origin, { connections: this.#connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Index of the measured step an intended start falls in, or -1. Intended starts come in order. */
  #stepOf(intendedNs: number): number {
    const steps = this.#steps;
    if (!steps) return -1;
    while (this.#stepCursor < steps.length && intendedNs >= (steps[this.#stepCursor] as StepLocator).endNs) this.#stepCursor++;
    const step = steps[this.#stepCursor];
    return step && intendedNs >= step.startNs ? this.#stepCursor : -1;
  }

  #dispatch(intendedNs: number): void {
    // The source advances for every scheduled slot, served or not, so request i is the same
    // request in every run of a seed whatever the server did.
    const spec = this.#source.next();
    const index = globalIndexOf(this.#partition, this.#slot++);
    const measured = intendedNs >= this.#warmupEndNs;
    const tally = measured ? this.#recorder.endpoint(spec.endpoint) : undefined;
    const isUpload = spec.followUp === 'upload.complete';
    const flowTally = measured && isUpload ? (this.#flowTally ??= this.#recorder.endpoint(UPLOAD_FLOW, 'followUp')) : undefined;
    if (tally) tally.intended++;
    if (flowTally) flowTally.intended++;
    const step = measured ? this.#stepOf(intendedNs) : -1;
    if (this.#inFlight >= this.#options.maxInFlight) {
      this.#counts.unserved++;
      // Demand the system did not serve: at the timeout in fromIntended, a failure (latency-recorder.ts).
      const censoredEndS = (intendedNs + this.#timeoutNs - this.#warmupEndNs) / NS_PER_S;
      if (tally) this.#recorder.recordUnserved(tally, step, censoredEndS, this.#timeoutUs);
      if (flowTally) this.#recorder.recordUnserved(flowTally, -1, censoredEndS, this.#timeoutUs);
      this.#log.failure(spec.endpoint, 'unserved', intendedNs, intendedNs, spec.path);
      return;
    }
    this.#inFlight++;
    this.#counts.sent++;
    const sendNs = this.nowNs();
    if (tally) {
      this.#recorder.countSent(tally, step);
      recordUs(this.#sendLag, (sendNs - intendedNs) / NS_PER_US);
      if (step >= 0) recordUs((this.#stepSendLag[step] ??= createLatencyHistogram()), (sendNs - intendedNs) / NS_PER_US);
      if (sendNs <= this.#windowEndNs) this.#window.sentInside++;
    }
    if (flowTally) flowTally.sent++;
    const stage = isUpload ? Stage.UPLOAD_START : Stage.REQUEST;
    const exchange = new RequestExchange(this, stage, spec, tally, step, intendedNs, sendNs, this.#timeoutNs, undefined, index, isUpload || spec.endpoint === 'user.create');
    this.#send(this.#pool, exchange, this.#pathPrefix + spec.path, spec.method, spec.headers, spec.body);
  }

  #send(pool: Pool, exchange: RequestExchange, path: string, method: 'GET' | 'POST' | 'PUT', headers: Readonly<Record<string, string>> | undefined, body: string | Buffer | undefined): void {
    // Queue the deadline before dispatching: undici may report an error synchronously.
    this.#deadlines.push(exchange);
    pool.dispatch({ path, method, headers, body }, exchange);
  }

  exchangeEnded(ex: RequestExchange, endNs: number): void {
    const responded = ex.failure === undefined;
    let errorKind = responded ? (ex.status >= 200 && ex.status < 400 ? undefined : `status_${ex.status}`) : ex.failure;
    let started: ReturnType<typeof parseUploadStart>;
    let userId: string | undefined;
    if (ex.stage === Stage.UPLOAD_START && errorKind === undefined) {
      userId = uploadUserId((ex.spec as RequestSpec).path);
      started = ex.status === 201 && userId !== undefined ? parseUploadStart(ex.bodyText()) : undefined;
      if (!started) errorKind = BAD_UPLOAD_RESPONSE;
    }
    if (ex.stage <= Stage.UPLOAD_START) {
      if (responded) this.#counts.completed++;
      else this.#counts.failed++;
      if (ex.tally && endNs <= this.#windowEndNs) this.#window.endedInside++;
    }
    // Histograms hold every response whatever its status, and every timeout at its elapsed
    // time (~timeoutMs): dropping timeouts would make a stalled server look fast. Connection
    // errors have no response time and are only counted.
    const hasLatency = responded || ex.failure === 'timeout';
    if (ex.tally) {
      this.#recorder.recordEnd(
        ex.tally,
        ex.step,
        (endNs - this.#warmupEndNs) / NS_PER_S,
        errorKind,
        hasLatency ? (endNs - ex.intendedNs) / NS_PER_US : -1,
        (endNs - ex.sendNs) / NS_PER_US,
        ex.bodyBytes,
      );
    }
    this.#logOutcome(ex, errorKind, endNs);

    switch (ex.stage) {
      case Stage.REQUEST:
        this.#release();
        return;
      case Stage.UPLOAD_START:
        if (errorKind !== undefined || !started || userId === undefined) {
          this.#endFlow(ex.tally !== undefined, ex.intendedNs, ex.sendNs, endNs, hasLatency, `${(ex.spec as RequestSpec).endpoint}:${errorKind}`);
          return;
        }
        this.#sendPut(ex, started.uploadUrl, {
          userId,
          uploadId: started.uploadId,
          completeHeaders: completeHeadersOf((ex.spec as RequestSpec).headers),
          intendedNs: ex.intendedNs,
          sendNs: ex.sendNs,
          measured: ex.tally !== undefined,
        }, endNs);
        return;
      case Stage.UPLOAD_PUT:
      case Stage.UPLOAD_COMPLETE: {
        const flow = ex.flow as UploadFlowState;
        if (errorKind !== undefined) {
          this.#endFlow(flow.measured, flow.intendedNs, flow.sendNs, endNs, hasLatency, `${ex.stage === Stage.UPLOAD_PUT ? UPLOAD_PUT : UPLOAD_COMPLETE}:${errorKind}`);
        } else if (ex.stage === Stage.UPLOAD_PUT) {
          this.#sendComplete(ex, flow, endNs);
        } else {
          this.#endFlow(flow.measured, flow.intendedNs, flow.sendNs, endNs, true, undefined);
        }
      }
    }
  }

  /** Acknowledged writes and failures into the write log: a push each, parsed after the run. */
  #logOutcome(ex: RequestExchange, errorKind: string | undefined, endNs: number): void {
    const acknowledged = errorKind === undefined && ex.status >= 200 && ex.status < 300;
    if (ex.stage === Stage.UPLOAD_PUT || ex.stage === Stage.UPLOAD_COMPLETE) {
      const flow = ex.flow as UploadFlowState;
      if (errorKind !== undefined) {
        this.#log.failure(ex.stage === Stage.UPLOAD_PUT ? UPLOAD_PUT : UPLOAD_COMPLETE, errorKind, flow.intendedNs, endNs, uploadCompletePath(flow.userId, flow.uploadId));
      } else if (acknowledged && ex.stage === Stage.UPLOAD_COMPLETE) this.#log.writeFromResponse('upload.complete', flow.intendedNs, endNs, ex.bodyText());
      return;
    }
    const spec = ex.spec;
    if (spec === undefined) return;
    if (errorKind !== undefined) this.#log.failure(spec.endpoint, errorKind, ex.intendedNs, endNs, spec.path);
    else if (!acknowledged) return;
    else if (spec.endpoint === 'user.create') this.#log.writeFromResponse('user.create', ex.intendedNs, endNs, ex.bodyText());
    else if (spec.endpoint === 'follow.create' || spec.endpoint === 'media.like') this.#log.writeFromRequest(spec.endpoint, ex.intendedNs, endNs, spec);
  }

  #sendPut(start: RequestExchange, url: URL, flow: UploadFlowState, dueNs: number): void {
    const tally = flow.measured ? (this.#putTally ??= this.#recorder.endpoint(UPLOAD_PUT, 'followUp')) : undefined;
    const sendNs = this.nowNs();
    const put = new RequestExchange(this, Stage.UPLOAD_PUT, undefined, tally, -1, dueNs, sendNs, this.#timeoutNs, flow, start.index, false);
    if (tally) {
      tally.intended++;
      this.#recorder.countSent(tally, -1);
    }
    this.#counts.followUps++;
    this.#send(this.#poolFor(url.origin), put, url.pathname + url.search, 'PUT', PUT_HEADERS, uploadPayload(start.index));
  }

  #sendComplete(put: RequestExchange, flow: UploadFlowState, dueNs: number): void {
    const tally = flow.measured ? (this.#completeTally ??= this.#recorder.endpoint(UPLOAD_COMPLETE, 'followUp')) : undefined;
    const sendNs = this.nowNs();
    // Its body names the new media: kept for the acknowledged-writes log.
    const complete = new RequestExchange(this, Stage.UPLOAD_COMPLETE, undefined, tally, -1, dueNs, sendNs, this.#timeoutNs, flow, put.index, true);
    if (tally) {
      tally.intended++;
      this.#recorder.countSent(tally, -1);
    }
    this.#counts.followUps++;
    const path = this.#pathPrefix + uploadCompletePath(flow.userId, flow.uploadId);
    this.#send(this.#pool, complete, path, 'POST', flow.completeHeaders, uploadCompleteBody(put.index));
  }

  /** Books the whole flow (measured flows only) and frees its in-flight slot. */
  #endFlow(measured: boolean, intendedNs: number, sendNs: number, endNs: number, hasLatency: boolean, errorKind: string | undefined): void {
    const tally = measured ? (this.#flowTally ??= this.#recorder.endpoint(UPLOAD_FLOW, 'followUp')) : undefined;
    if (tally) {
      this.#recorder.recordEnd(tally, -1, (endNs - this.#warmupEndNs) / NS_PER_S, errorKind, hasLatency ? (endNs - intendedNs) / NS_PER_US : -1, (endNs - sendNs) / NS_PER_US);
    }
    this.#release();
  }

  #release(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) this.#onIdle?.();
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
  if (o.partition) checkPartition(o.partition);
  rule(o.startAtMs === undefined || Number.isFinite(o.startAtMs), `startAtMs must be a finite number (got ${o.startAtMs})`);
}

function interrupted(): FeedscaleError {
  return new FeedscaleError('RUN_ERR_INTERRUPTED', 'open-loop run aborted');
}
