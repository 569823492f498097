import { Type, type Static } from '@sinclair/typebox';
import { PercentilesSchema } from './percentiles-schema.ts';
import { RunProfileSchema } from './profile-schema.ts';
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

/** One of several load generators that split a run's schedule, with where it ran and its own health. */
export const GeneratorInstanceSchema = Type.Object(
  {
    /** Generator w of W: it sent the arrivals i ≡ w (mod W) of the schedule (a k6 runner: its order). */
    index: Type.Integer({ minimum: 0 }),
    /** Host name of the machine it ran on. */
    host: Type.String(),
    /** Its process, when it was a process of the harness. */
    pid: Type.Optional(Type.Integer({ minimum: 1 })),
    /** A k6 runner's name (its pod), or another label of the generator. */
    name: Type.Optional(Type.String()),
    /** How late it began its share after the common start, ms; the schedule was kept, so this is in its send lag. */
    startLagMs: Type.Optional(Type.Number({ minimum: 0 })),
    health: GeneratorHealthSchema,
  },
  { additionalProperties: false },
);
export type GeneratorInstance = Static<typeof GeneratorInstanceSchema>;

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

/** Failed requests that followed a fault: first to last, by the time each failed (seconds into the measured window). */
export const ErrorWindowSchema = Type.Object(
  {
    /** When the first and the last failed request attributed to the fault ended (a status, a reset, a timeout). */
    firstS: Type.Number(),
    lastS: Type.Number(),
    /** lastS - firstS: how long requests kept failing. */
    durationS: Type.Number({ minimum: 0 }),
    /** Failed requests (non-2xx/3xx, timeouts, connection errors, unserved starts) attributed to the fault, by kind. */
    failed: Type.Integer({ minimum: 0 }),
    byKind: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type ErrorWindow = Static<typeof ErrorWindowSchema>;

/**
 * One fault the harness ran (a plan's `faults` entry) with what it did to the run. Times are
 * seconds since the start of the measured window, on the load generator's clock.
 */
export const FaultRecordSchema = Type.Object(
  {
    kind: Type.String({ description: 'kill, stop, pause, shard-failover, netem' }),
    target: Type.String(),
    /** The containers (services) it acted on: a netem tier is several. */
    services: Type.Array(Type.String()),
    /** When the plan asked for it. */
    plannedAtS: Type.Number(),
    /** When it took effect: the kill, stop or pause returned; the primary stopped; netem installed. */
    startS: Type.Number(),
    /** When its own effect ended (restarted and ready, unpaused, netem removed, pgbouncer re-pointed); null when it never ends in the run. */
    endS: Type.Union([Type.Number(), Type.Null()]),
    /** Milestones, e.g. "replica promoted" for a failover, "ready again" after a restart. */
    steps: Type.Array(Type.Object({ step: Type.String(), atS: Type.Number() }, { additionalProperties: false })),
    /** Set when the fault could not be run as planned (the run went on). */
    error: Type.Optional(Type.String()),
    /** First to last failed request after it; null when nothing failed. */
    errorWindow: Type.Union([ErrorWindowSchema, Type.Null()]),
    /**
     * Time from the fault's start until the per-second p99 of the busiest endpoint was back at or
     * under its pre-fault level (the highest per-second p99 of the seconds before) for 3 seconds
     * in a row; null when it never was within the window. Absent without pre-fault seconds.
     */
    p99Recovery: Type.Optional(
      Type.Object(
        { endpoint: Type.String(), prefaultP99Ms: Type.Number({ minimum: 0 }), recoveredAfterS: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]) },
        { additionalProperties: false },
      ),
    ),
    /**
     * memcached targets: the apps' cache hit ratio before the fault and the time from the fault's
     * start until it was back within 5% (relative) of it for 3 samples in a row; null when never.
     */
    hitRatioRecovery: Type.Optional(
      Type.Object(
        { prefaultHitRatio: Type.Number({ minimum: 0, maximum: 1 }), recoveredAfterS: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]) },
        { additionalProperties: false },
      ),
    ),
    /**
     * shard-failover: from the fault's start to the intended start of the first acknowledged write
     * on that shard after which no write to it failed; null when none was acknowledged after it.
     */
    writesBackAfterS: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type FaultRecord = Static<typeof FaultRecordSchema>;

/** One kind of acknowledged write, read back after the run (runner/audit). */
export const AuditedWritesSchema = Type.Object(
  {
    /** user.create, follow.create, media.like, upload.complete, or feed.fan-out (a media in each follower's feed). */
    type: Type.String(),
    /** Writes the service acknowledged (2xx); for feed.fan-out, feed entries owed by acknowledged uploads. */
    acknowledged: Type.Integer({ minimum: 0 }),
    /** Of those, found exactly where they belong. */
    present: Type.Integer({ minimum: 0 }),
    /** Acknowledged but not found: a gate metric (`*:lost==0`). */
    lost: Type.Integer({ minimum: 0 }),
    /** Found more than once (two rows, or a media twice in one feed): a gate metric (`*:duplicated==0`). */
    duplicated: Type.Integer({ minimum: 0 }),
    /** A few of the lost and duplicated ones, for a look by hand. */
    examples: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
  },
  { additionalProperties: false },
);
export type AuditedWrites = Static<typeof AuditedWritesSchema>;

/** The acknowledged-writes audit of a run that wrote: every 2xx write read back from Postgres and Redis. */
export const WriteAuditSchema = Type.Object(
  {
    writes: Type.Array(AuditedWritesSchema),
    /** Whether the fan-out queue had drained before the feeds were read; when not, feed.fan-out counts may be early. */
    queueDrained: Type.Boolean(),
    elapsedMs: Type.Number({ minimum: 0 }),
    notes: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type WriteAudit = Static<typeof WriteAuditSchema>;

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
    /**
     * Present when the run was split over several load generators (scenarios/engines/generator-pool.ts,
     * k6 runners): each one's health and where it ran. `generator` is then the whole: valid only
     * when every one of them was, and the whole achieved its intended rate.
     */
    generators: Type.Optional(Type.Array(GeneratorInstanceSchema, { minItems: 1 })),
    endpoints: Type.Array(EndpointResultSchema),
    /** Per-step breakdown of a stepped (ramp) run; absent for constant-rate runs. */
    steps: Type.Optional(Type.Array(StepResultSchema)),
    /** Server-side metrics sampled during the run, by collector name (see runner/collectors). */
    server: Type.Optional(ServerMetricsSchema),
    /** What one request cost the servers over the measured window: low-noise gate metrics. */
    costs: Type.Optional(RunCostsSchema),
    /** Faults the plan injected during the measured window, with their error windows and recoveries. */
    faults: Type.Optional(Type.Array(FaultRecordSchema)),
    /** Acknowledged writes read back after the run (runs that wrote only). */
    audit: Type.Optional(WriteAuditSchema),
    /** The app instance that ran under clinic (`--profile`), its output and its overhead. */
    profile: Type.Optional(RunProfileSchema),
  },
  { additionalProperties: false },
);
export type RunResult = Static<typeof RunResultSchema>;
