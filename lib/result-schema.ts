import { Type, type Static } from '@sinclair/typebox';
import { PercentilesSchema } from './percentiles-schema.ts';
import { ServerMetricsSchema } from './server-metrics-schema.ts';

import { RESULT_SCHEMA_VERSION } from './result-schema-version.ts';

/**
 * The one result format every driver produces and every renderer reads.
 * Versioned: bump RESULT_SCHEMA_VERSION (lib/result-schema-version.ts) on any incompatible change.
 */
export { RESULT_SCHEMA_VERSION };

export const LatencySchema = Type.Object(
  {
    /** Percentiles of the histogram (milliseconds, from microsecond-resolution data). */
    percentiles: PercentilesSchema,
    /**
     * hdr-histogram-js base64-compressed encoding, in microseconds; mergeable across runs.
     * '' when the driver cannot export one (k6): readers then fall back to `percentiles`.
     */
    histogram: Type.String(),
  },
  { additionalProperties: false },
);
export type Latency = Static<typeof LatencySchema>;

/** One point of a latency-over-time series (e.g. one per second of the measured window). */
export const TimelinePointSchema = Type.Object(
  {
    /** Seconds since the start of the measured window (end of the interval the point covers). */
    tS: Type.Number({ minimum: 0 }),
    /** p99 latency from intended start of the requests that completed in the interval. */
    p99Ms: Type.Number({ minimum: 0 }),
    /** Responses completed in the interval, per second. */
    rps: Type.Number({ minimum: 0 }),
    /** Requests that ended in the interval: responses of any status, timeouts and connection errors. */
    count: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Of `count`, the failures (non-2xx/3xx status, timeout, connection error). */
    errors: Type.Optional(Type.Integer({ minimum: 0 })),
    /** p50 latency from intended start of the requests that completed in the interval. */
    p50Ms: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type TimelinePoint = Static<typeof TimelinePointSchema>;

export const EndpointResultSchema = Type.Object(
  {
    endpoint: Type.String({ description: 'Stable label of the operation, e.g. "feed.read"' }),
    /** Requests the schedule asked for in the measured window. */
    intended: Type.Integer({ minimum: 0 }),
    /** Requests actually sent. */
    sent: Type.Integer({ minimum: 0 }),
    /** Responses with a 2xx/3xx status. */
    ok: Type.Integer({ minimum: 0 }),
    /** Failures by kind: "status_503", "timeout", "ECONNREFUSED", ... */
    errors: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    /**
     * Scheduled requests never sent because the in-flight cap was reached (open loop), or k6
     * dropped_iterations. Demand the system did not serve: each one is also in `fromIntended` at
     * the run's `timeoutMs` (a censored value: it waited at least that long, as a timeout would)
     * and counts as a failure in the failure rate.
     */
    unserved: Type.Integer({ minimum: 0 }),
    /** Bytes of response bodies received (all statuses); absent when the driver does not count them. */
    responseBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    throughputRps: Type.Number({ minimum: 0 }),
    /**
     * Latency from each request's intended start (open loop: coordinated-omission free), unserved
     * starts included at the timeout. For closed-loop drivers, and for k6 where it could not time
     * from the schedule, this equals `fromSend` and `latencyFrom` says "send".
     */
    fromIntended: LatencySchema,
    /** What `fromIntended` is timed from: the schedule's intended start, or only the send. */
    latencyFrom: Type.Union([Type.Literal('intended'), Type.Literal('send')]),
    /** Latency from the moment the request was actually written. */
    fromSend: LatencySchema,
    /** Optional latency over time; renderers draw it when present. */
    timeline: Type.Optional(Type.Array(TimelinePointSchema)),
  },
  { additionalProperties: false },
);
export type EndpointResult = Static<typeof EndpointResultSchema>;

export const GeneratorHealthSchema = Type.Object(
  {
    /** Load-generator process CPU over the run, as a fraction of one core. */
    cpuCoreFraction: Type.Number({ minimum: 0 }),
    eventLoopDelayP99Ms: Type.Number({ minimum: 0 }),
    eventLoopDelayMaxMs: Type.Number({ minimum: 0 }),
    intendedRateRps: Type.Number({ minimum: 0 }),
    achievedRateRps: Type.Number({ minimum: 0 }),
    /** 99th percentile of (actual send - intended start), ms: how late the generator itself was. */
    sendLagP99Ms: Type.Number({ minimum: 0 }),
    /** 99.9th percentile of the send lag, ms: rare scheduler stalls the p99 does not see. */
    sendLagP999Ms: Type.Number({ minimum: 0 }),
    /** Scheduled requests that ended (response, timeout or error) per second of the measured window. */
    completedRateRps: Type.Number({ minimum: 0 }),
    /** k6 only: what k6 itself reports of its capacity. */
    k6: Type.Optional(
      Type.Object(
        {
          droppedIterations: Type.Integer({ minimum: 0 }),
          /** Highest number of VUs in use, and the most the scenario allowed. */
          vusMax: Type.Integer({ minimum: 0 }),
          vusAllowed: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** false when the generator, not the system, limited the run; latency from it gives no verdict. */
    valid: Type.Boolean(),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type GeneratorHealth = Static<typeof GeneratorHealthSchema>;

export const DriverSchema = Type.Union([Type.Literal('open-loop'), Type.Literal('autocannon'), Type.Literal('k6')]);
export type Driver = Static<typeof DriverSchema>;

export const LoadModelSchema = Type.Union([Type.Literal('open'), Type.Literal('closed')]);

export const StepEndpointResultSchema = Type.Object(
  {
    endpoint: Type.String(),
    /** p99 latency from intended start within the step. */
    p99Ms: Type.Number({ minimum: 0 }),
    /** (Failed + unserved) / (sent + unserved) within the step: demand not served fails the step too. */
    errorRate: Type.Number({ minimum: 0, maximum: 1 }),
    sent: Type.Integer({ minimum: 0 }),
    /** Starts skipped at the in-flight cap within the step. */
    unserved: Type.Optional(Type.Integer({ minimum: 0 })),
    ok: Type.Integer({ minimum: 0 }),
    /** Latency from intended start within the step, encoded as LatencySchema.histogram; absent when the driver keeps none. */
    histogram: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type StepEndpointResult = Static<typeof StepEndpointResultSchema>;

/** One step of a stepped (ramp) arrival plan, measured on its own: the input of capacity search. */
export const StepResultSchema = Type.Object(
  {
    /** The rate the plan asked for during this step. */
    rateRps: Type.Number({ minimum: 0 }),
    /** Seconds since the start of the measured window. */
    startS: Type.Number({ minimum: 0 }),
    durationS: Type.Number({ minimum: 0 }),
    endpoints: Type.Array(StepEndpointResultSchema),
    /**
     * The load generator's health within the step (send lag of the step's sends): a step where
     * the generator fell behind says nothing about the system, and capacity search skips it.
     */
    generator: Type.Optional(
      Type.Object(
        {
          sendLagP99Ms: Type.Number({ minimum: 0 }),
          sendLagP999Ms: Type.Number({ minimum: 0 }),
          valid: Type.Boolean(),
          reasons: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type StepResult = Static<typeof StepResultSchema>;

/**
 * Per-request costs over the measured window: a server's CPU seconds, queries, commands and
 * gets divided by the requests the run completed. They move with most real regressions and
 * vary far less between repeats than a p99 does. null when the collector had no data.
 */
export const RunCostsSchema = Type.Object(
  {
    /** Requests completed in the measured window (all endpoints): the denominator. */
    requests: Type.Integer({ minimum: 0 }),
    /** CPU microseconds per request, per service kind (app, pg, pgbouncer, redis, memcached, nginx, worker, ...). */
    cpuUsPerRequest: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
    pgQueriesPerRequest: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    pgRowsPerRequest: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    redisCommandsPerRequest: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    memcachedGetsPerRequest: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type RunCosts = Static<typeof RunCostsSchema>;

export const RunResultSchema = Type.Object(
  {
    schemaVersion: Type.Literal(RESULT_SCHEMA_VERSION),
    /** Name of the configuration under test, e.g. "memcached-on". */
    configuration: Type.String(),
    plan: Type.String(),
    repeat: Type.Integer({ minimum: 0 }),
    /**
     * Attempt of this repeat, from 0. A repeat whose load generator was unhealthy is run again
     * (a bounded number of times); every attempt is kept, and verdicts use the healthy ones.
     */
    attempt: Type.Integer({ minimum: 0, default: 0 }),
    driver: DriverSchema,
    /** open: latency verdicts allowed; closed: throughput only, latency labelled closed-loop. */
    loadModel: LoadModelSchema,
    seed: Type.Integer(),
    startedAt: Type.String({ format: 'date-time' }),
    durationS: Type.Number({ minimum: 0 }),
    warmupS: Type.Number({ minimum: 0 }),
    /** The plan's per-request timeout: unserved starts are recorded at this latency. */
    timeoutMs: Type.Number({ exclusiveMinimum: 0 }),
    generator: GeneratorHealthSchema,
    endpoints: Type.Array(EndpointResultSchema),
    /** Per-step breakdown of a stepped (ramp) run; absent for constant-rate runs. */
    steps: Type.Optional(Type.Array(StepResultSchema)),
    /** Server-side metrics sampled during the run, by collector name (see runner/collectors). */
    server: Type.Optional(ServerMetricsSchema),
    /** What one request cost the servers over the measured window: low-noise gate metrics. */
    costs: Type.Optional(RunCostsSchema),
  },
  { additionalProperties: false },
);
export type RunResult = Static<typeof RunResultSchema>;
