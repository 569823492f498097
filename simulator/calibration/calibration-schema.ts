import { Type, type Static } from '@sinclair/typebox';
import { validateConfig } from '../../lib/validate.ts';

/**
 * The calibration file (calibration.json): what the reference-stack model learned from measured
 * runs, with the host it was measured on and the runs it came from. Versioned: bump
 * CALIBRATION_SCHEMA_VERSION on any incompatible change; the JSON Schema is committed in
 * reports/json-schema/calibration.schema.json (generated from this, checked by a test).
 *
 * Everything here is placement-independent by construction: CPU is counted in CPU-seconds per
 * unit of work (contention on a shared host stretches time, not CPU-seconds), background load
 * per container, and the non-CPU latency (network hops) is taken from intervals the model
 * puts at most half busy. The model puts contention back for whatever placement it is asked about.
 */
export const CALIBRATION_SCHEMA_VERSION = 1;

const Us = (description: string) => Type.Number({ minimum: 0, description });

export const CalibrationHostSchema = Type.Object(
  {
    cores: Type.Integer({ minimum: 1, description: 'Logical CPUs of the machine the runs were measured on.' }),
    memoryBytes: Type.Integer({ minimum: 0 }),
    platform: Type.String(),
    node: Type.String(),
  },
  { additionalProperties: false, description: 'The machine the runs were measured on (report metadata host).' },
);
export type CalibrationHost = Static<typeof CalibrationHostSchema>;

export const CalibrationRunSchema = Type.Object(
  {
    configuration: Type.String(),
    plan: Type.String(),
    repeat: Type.Integer({ minimum: 0 }),
    attempt: Type.Integer({ minimum: 0 }),
    startedAt: Type.String({ format: 'date-time' }),
    /** The configuration's resolved stack (containers/stack-config.ts StackConfig). */
    stack: Type.Unknown(),
    intervals: Type.Integer({ minimum: 0, description: 'Measured intervals (steps, or the window) the run gave the fit.' }),
    meanRateRps: Type.Number({ minimum: 0 }),
    /** Cores busy on the machine outside the stack and the generator (other jobs), when the host was sampled. */
    foreignCores: Type.Optional(Type.Number({ minimum: 0 })),
    used: Type.Boolean({ description: 'false when the run was left out of the fit (the reason says why).' }),
    excludedReason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CalibrationRun = Static<typeof CalibrationRunSchema>;

export const TierCostSchema = Type.Object(
  {
    backgroundCoresPerInstance: Type.Number({ minimum: 0, description: 'CPU a container of the tier uses with no load (collectors, polling, timers), cores.' }),
    /** CPU microseconds per unit of work, by unit (simulator/reference-stack/work-units.ts). */
    perUnitUs: Type.Record(Type.String(), Us('CPU µs per unit.')),
    rmsResidualCores: Type.Number({ minimum: 0, description: 'Root mean square error of the linear fit over the intervals, cores.' }),
    intervals: Type.Integer({ minimum: 0 }),
    source: Type.Union([Type.Literal('fit'), Type.Literal('default')], { description: "'default': no interval measured this tier; a documented assumption is used." }),
  },
  { additionalProperties: false },
);
export type TierCost = Static<typeof TierCostSchema>;

export const LatencyCalibrationSchema = Type.Object(
  {
    frontDelayMs: Type.Number({ minimum: 0, description: 'Non-CPU time of a request outside the stack tiers: generator to nginx to app and back (loopback, docker-proxy, bridge).' }),
    hopDelayMs: Type.Number({ minimum: 0, description: 'Non-CPU time of one round trip from an app to a backend (Redis, memcached, pgbouncer and Postgres) on the Docker bridge.' }),
    appServiceCv: Type.Number({ minimum: 0, description: 'Coefficient of variation of an app request’s CPU time (lognormal), from the spread of latency at low load.' }),
    fittedIntervals: Type.Integer({ minimum: 0, description: 'Intervals the residuals were taken from: per run, the busiest one the model puts at most half busy.' }),
    maxUtilisation: Type.Number({ minimum: 0, description: 'Highest host CPU utilisation among those intervals.' }),
  },
  {
    additionalProperties: false,
    description:
      'The part of latency the CPU model does not explain, as residuals at low load: measured p50 minus the model’s queueing-free p50, split into a front delay and a per-hop delay by least squares over the configurations.',
  },
);
export type LatencyCalibration = Static<typeof LatencyCalibrationSchema>;

export const CacheCalibrationSchema = Type.Object(
  {
    itemBytes: Type.Number({ exclusiveMinimum: 0, description: 'Bytes one cached object occupies in memcached (its slab chunk), from bytes / items measured.' }),
    checks: Type.Array(
      Type.Object(
        {
          configuration: Type.String(),
          memoryMb: Type.Number({ minimum: 0 }),
          measuredHitRatio: Type.Number({ minimum: 0, maximum: 1 }),
          predictedHitRatio: Type.Number({ minimum: 0, maximum: 1, description: 'The replayed workload through an LRU of the configured size.' }),
        },
        { additionalProperties: false },
      ),
      { description: 'Measured memcached hit ratio beside the model’s, per configuration with the cache on.' },
    ),
  },
  { additionalProperties: false },
);
export type CacheCalibration = Static<typeof CacheCalibrationSchema>;

export const StorageCalibrationSchema = Type.Object(
  {
    redisBytesPerFeedEntry: Us('Redis memory per media ID in a feed list, bytes.'),
    redisBytesPerSession: Us('Redis memory per session key, bytes.'),
    redisBytesPerMapPair: Us('Redis memory per media -> owner pair, bytes.'),
    redisMeasuredBytes: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'used_memory measured after seeding, bytes; null when not measured.' }),
    postgresBytesPerMediaRow: Us('Postgres bytes per media row with its indexes (assumption unless measured).'),
    postgresBytesPerUserRow: Us('Postgres bytes per user row with its indexes (assumption).'),
    postgresBytesPerFollowRow: Us('Postgres bytes per following or followers row with its indexes (assumption).'),
    source: Type.String({ description: 'How the figures were obtained.' }),
  },
  { additionalProperties: false },
);
export type StorageCalibration = Static<typeof StorageCalibrationSchema>;

export const CalibrationSchema = Type.Object(
  {
    schemaVersion: Type.Literal(CALIBRATION_SCHEMA_VERSION),
    createdAt: Type.String({ format: 'date-time' }),
    host: CalibrationHostSchema,
    /** The workload the runs replayed (dataset seed and overrides), so the model replays the same. */
    workload: Type.Object(
      { seed: Type.Integer(), overrides: Type.Record(Type.String(), Type.Unknown()) },
      { additionalProperties: false },
    ),
    runs: Type.Array(CalibrationRunSchema, { description: 'The runs the calibration came from (at most 3 configurations for `feedscale calibrate`).' }),
    method: Type.String({ description: 'How the demands were obtained, in a sentence.' }),
    /** CPU cost model per tier (nginx, app, pgbouncer, postgres, redis, memcached, objectstore, worker, generator, proxy). */
    costs: Type.Record(Type.String(), TierCostSchema),
    latency: LatencyCalibrationSchema,
    cache: CacheCalibrationSchema,
    storage: StorageCalibrationSchema,
    notes: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type Calibration = Static<typeof CalibrationSchema>;

/** Validates a parsed calibration file (CFG_ERR_INVALID naming each broken field) and freezes it. */
export function loadCalibration(input: unknown, what = 'calibration'): Readonly<Calibration> {
  return validateConfig(CalibrationSchema, input, what);
}
