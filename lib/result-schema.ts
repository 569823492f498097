import { Type, type Static } from '@sinclair/typebox';
import { PercentilesSchema } from './percentiles-schema.ts';
import { ServerMetricsSchema } from './server-metrics-schema.ts';

/**
 * The one result format every driver produces and every renderer reads.
 * Versioned: bump RESULT_SCHEMA_VERSION on any incompatible change.
 */
export const RESULT_SCHEMA_VERSION = 1;

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
    /** Scheduled requests never sent because the in-flight cap was reached (open loop), or k6 dropped_iterations. */
    unserved: Type.Integer({ minimum: 0 }),
    throughputRps: Type.Number({ minimum: 0 }),
    /**
     * Latency from each request's intended start (open loop: coordinated-omission free).
     * For closed-loop drivers this equals `fromSend`.
     */
    fromIntended: LatencySchema,
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
    /** Failed requests / sent requests within the step (0 when nothing was sent). */
    errorRate: Type.Number({ minimum: 0, maximum: 1 }),
    sent: Type.Integer({ minimum: 0 }),
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
  },
  { additionalProperties: false },
);
export type StepResult = Static<typeof StepResultSchema>;

export const RunResultSchema = Type.Object(
  {
    schemaVersion: Type.Literal(RESULT_SCHEMA_VERSION),
    /** Name of the configuration under test, e.g. "memcached-on". */
    configuration: Type.String(),
    plan: Type.String(),
    repeat: Type.Integer({ minimum: 0 }),
    driver: DriverSchema,
    /** open: latency verdicts allowed; closed: throughput only, latency labelled closed-loop. */
    loadModel: LoadModelSchema,
    seed: Type.Integer(),
    startedAt: Type.String({ format: 'date-time' }),
    durationS: Type.Number({ minimum: 0 }),
    warmupS: Type.Number({ minimum: 0 }),
    generator: GeneratorHealthSchema,
    endpoints: Type.Array(EndpointResultSchema),
    /** Per-step breakdown of a stepped (ramp) run; absent for constant-rate runs. */
    steps: Type.Optional(Type.Array(StepResultSchema)),
    /** Server-side metrics sampled during the run, by collector name (see runner/collectors). */
    server: Type.Optional(ServerMetricsSchema),
  },
  { additionalProperties: false },
);
export type RunResult = Static<typeof RunResultSchema>;
