import autocannon from 'autocannon';
import { FeedscaleError } from '../../lib/errors.ts';
import { assertLoopbackUrl } from '../../lib/loopback.ts';
import { assessGeneratorHealth, createHealthProbe } from './generator-health.ts';
import { createLatencyRecorder } from './latency-recorder.ts';
import { errorKind } from './open-loop-engine.ts';
import type { RequestSource } from './request-source.ts';
import type { EngineRun } from './run-result.ts';

/**
 * Closed-loop load with autocannon: each connection sends its next request when the previous
 * one has answered, so a slow server receives fewer requests and its stalls barely show in
 * the percentiles (coordinated omission). Use it for throughput ("how many rps at N
 * connections"), never for latency verdicts: results say loadModel 'closed' and both
 * histograms hold the same send-to-response times.
 *
 * autocannon's rate mode (`overallRate` / `-R`) is deliberately not offered: its per-second
 * limiter sends in bursts and its coordinated-omission correction uses the wrong interval at
 * 1 ms resolution, which misreports latency under a stalling server (bench/truth.bench.ts).
 * For latency under a rate, use runOpenLoop.
 */
export interface ClosedLoopOptions {
  /** Loopback only (lib/loopback.ts). A path prefix, if any, is prepended to every request path. */
  baseUrl: string;
  /** Fed through autocannon's setupRequest, so this sends the same traffic as the open-loop engine. */
  source: RequestSource;
  /** Concurrent connections, each with one request outstanding (pipelining 1). */
  connections: number;
  durationS: number;
  /** Responses of the warm-up are not recorded. Default 0. */
  warmupS?: number;
  /** Per request; a timed-out request counts as error "timeout" and is recorded at timeoutMs. */
  timeoutMs: number;
  /** Aborting stops the run; runClosedLoop then rejects with RUN_ERR_INTERRUPTED. */
  signal?: AbortSignal;
}

/** What one autocannon client is doing; autocannon keeps one request in flight per client. */
interface ClientBooks {
  /** Endpoint of the request last written on this connection. */
  current: string | undefined;
  /** Endpoint of the request before it: the one a timeout refers to (see onTimeout below). */
  previous: string | undefined;
  requestEvents: number;
}

const NS_PER_S = 1e9;
const US_PER_MS = 1000;

export async function runClosedLoop(options: ClosedLoopOptions): Promise<EngineRun> {
  const base = assertLoopbackUrl(options.baseUrl);
  const { source, connections, durationS, timeoutMs, signal } = options;
  const warmupS = options.warmupS ?? 0;
  checkOptions(connections, durationS, warmupS, timeoutMs);
  if (signal?.aborted) throw interrupted();

  const pathPrefix = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
  const recorder = createLatencyRecorder();
  const probe = createHealthProbe();
  const warmupEndNs = warmupS * NS_PER_S;
  const t0 = process.hrtime.bigint();
  const measuring = () => Number(process.hrtime.bigint() - t0) >= warmupEndNs;

  // autocannon gives setupRequest no handle on the client, so endpoints are attributed by
  // ordering, which autocannon guarantees synchronously: a client emits 'request' and then
  // builds (setupRequest) and writes its next request in the same tick; it emits 'response'
  // before building the next one; on a timeout it reconnects and builds the next request
  // *before* emitting 'timeout'. With pipelining 1 this pins every event to one endpoint.
  let buildingFor: ClientBooks | undefined;
  let lastBuilt: string | undefined;

  const setupRequest = (req: autocannon.Request): autocannon.Request => {
    const spec = source.next();
    lastBuilt = spec.endpoint;
    if (buildingFor) {
      buildingFor.current = spec.endpoint;
      buildingFor = undefined;
    }
    if (measuring()) {
      const tally = recorder.endpoint(spec.endpoint);
      tally.intended++;
      tally.sent++;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(spec.headers ?? {})) {
      // autocannon writes its own Content-Length; a second one would corrupt the request.
      if (name.toLowerCase() !== 'content-length') headers[name] = value;
    }
    return { ...req, method: spec.method, path: pathPrefix + spec.path, headers, body: spec.body ?? '' };
  };

  const setupClient = (client: autocannon.Client): void => {
    // The client's first request was built in its constructor, just before this call.
    const books: ClientBooks = { current: lastBuilt, previous: undefined, requestEvents: 0 };
    // @types/autocannon lists only some of the events a client emits ('request', 'timeout' and
    // 'connError' are emitted by lib/httpClient.js too).
    const events: NodeJS.EventEmitter = client;
    events.on('request', () => {
      books.previous = books.current;
      // The first write sends the request built in the constructor; later ones build anew.
      if (books.requestEvents++ > 0) buildingFor = books;
    });
    client.on('response', (statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (!measuring() || books.current === undefined) return;
      const tally = recorder.endpoint(books.current);
      recorder.recordLatency(tally, responseTimeMs * US_PER_MS, responseTimeMs * US_PER_MS);
      if (statusCode >= 200 && statusCode < 400) tally.ok++;
      else recorder.countError(tally, `status_${statusCode}`);
    });
    events.on('timeout', () => {
      if (!measuring() || books.previous === undefined) return;
      const tally = recorder.endpoint(books.previous);
      // As in the open-loop engine: a timeout is recorded at its elapsed time, not dropped.
      recorder.recordLatency(tally, timeoutMs * US_PER_MS, timeoutMs * US_PER_MS);
      recorder.countError(tally, 'timeout');
    });
    events.on('connError', (err: unknown) => {
      if (!measuring() || books.current === undefined) return;
      recorder.countError(recorder.endpoint(books.current), errorKind(err));
    });
  };

  if (warmupS === 0) probe.start();
  const probeTimer = warmupS > 0 ? setTimeout(() => probe.start(), warmupS * 1000) : undefined;

  let instance: autocannon.Instance | undefined;
  const onAbort = () => instance?.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      instance = autocannon(
        {
          url: base.origin,
          connections,
          pipelining: 1,
          duration: warmupS + durationS,
          timeout: timeoutMs / 1000,
          requests: [{ setupRequest }],
          setupClient,
        },
        (err: unknown) => (err ? reject(err) : resolve()),
      );
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (probeTimer) clearTimeout(probeTimer);
  }
  const health = probe.stop();
  if (signal?.aborted) throw interrupted();

  const totals = recorder.totals();
  const rateRps = totals.sent / durationS;
  return {
    driver: 'autocannon',
    loadModel: 'closed',
    durationS,
    warmupS,
    // A closed loop has no schedule to fall behind: intended = achieved, no send lag.
    generator: assessGeneratorHealth({
      ...health,
      intendedRateRps: rateRps,
      achievedRateRps: rateRps,
      unservedRateRps: 0,
      completedRateRps: rateRps,
      sendLagP99Ms: 0,
      sendLagP999Ms: 0,
    }),
    timeoutMs,
    // Closed loop: no intended start; its latency is timed from the send only.
    endpoints: recorder.toEndpointResults(durationS).map((e) => ({ ...e, latencyFrom: 'send' as const })),
  };
}

function checkOptions(connections: number, durationS: number, warmupS: number, timeoutMs: number): void {
  const rule = (ok: boolean, message: string) => {
    if (!ok) throw new FeedscaleError('CFG_ERR_INVALID', message);
  };
  rule(Number.isInteger(connections) && connections >= 1, `connections must be an integer >= 1 (got ${connections})`);
  rule(Number.isFinite(durationS) && durationS > 0, `durationS must be a positive number (got ${durationS})`);
  rule(Number.isFinite(warmupS) && warmupS >= 0, `warmupS must be a number >= 0 (got ${warmupS})`);
  rule(Number.isFinite(timeoutMs) && timeoutMs > 0, `timeoutMs must be a positive number (got ${timeoutMs})`);
}

function interrupted(): FeedscaleError {
  return new FeedscaleError('RUN_ERR_INTERRUPTED', 'closed-loop run aborted');
}
