import { Type, type Static } from '@sinclair/typebox';
import { PercentilesSchema } from '../lib/percentiles-schema.ts';
import { LoadModelSchema, RunResultSchema } from '../lib/result-schema.ts';
import { ConfigurationAttributionSchema, ServerSummarySchema } from './server-summary-schema.ts';
import { ModelValidationSchema, PredictionLabelSchema } from './model/model-validation-schema.ts';

/**
 * The report: what one `feedscale` invocation measured, across configurations, ready for
 * renderers (markdown, terminal, later HTML/JUnit) and for gates that read it back.
 * The raw runs (with their mergeable histograms) are kept so that a later reader can
 * recompute anything the summary holds. Bump REPORT_SCHEMA_VERSION on any incompatible change.
 */
export const REPORT_SCHEMA_VERSION = 2;

export const HostSchema = Type.Object(
  {
    /** Logical CPUs visible to the harness (os.availableParallelism). */
    cores: Type.Integer({ minimum: 1 }),
    memoryBytes: Type.Integer({ minimum: 0 }),
    /** process.platform plus architecture, e.g. "linux-x64". */
    platform: Type.String(),
    /** process.version, e.g. "v20.11.1". */
    node: Type.String(),
  },
  { additionalProperties: false },
);
export type Host = Static<typeof HostSchema>;

export const ImageCatalogChoiceSchema = Type.Object(
  {
    requested: Type.Union([Type.Literal('auto'), Type.Literal('official'), Type.Literal('local')]),
    used: Type.Union([Type.Literal('official'), Type.Literal('local')]),
    /** Why `used` was chosen, e.g. "registry unreachable; built local images". */
    reason: Type.String(),
  },
  { additionalProperties: false },
);
export type ImageCatalogChoice = Static<typeof ImageCatalogChoiceSchema>;

export const ReportMetadataSchema = Type.Object(
  {
    feedscaleVersion: Type.String(),
    gitCommit: Type.Optional(Type.String()),
    /** Passed in by the caller (buildReport reads no clock). */
    createdAt: Type.String({ format: 'date-time' }),
    host: HostSchema,
    imageCatalog: ImageCatalogChoiceSchema,
    seed: Type.Integer(),
    /** Name of the plan every run in the report executed. */
    plan: Type.String(),
  },
  { additionalProperties: false },
);
export type ReportMetadata = Static<typeof ReportMetadataSchema>;

export const ConfigurationSchema = Type.Object(
  {
    /** Matches RunResult.configuration, e.g. "memcached-on". */
    name: Type.String({ minLength: 1 }),
    description: Type.String({ default: '' }),
    /** The stack configuration as JSON, recorded so the report says exactly what ran. */
    stack: Type.Unknown(),
  },
  { additionalProperties: false },
);
export type Configuration = Static<typeof ConfigurationSchema>;

export const RepeatSummarySchema = Type.Object(
  {
    repeat: Type.Integer({ minimum: 0 }),
    p50Ms: Type.Number(),
    p99Ms: Type.Number(),
    throughputRps: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type RepeatSummary = Static<typeof RepeatSummarySchema>;

export const SummaryRowSchema = Type.Object(
  {
    configuration: Type.String(),
    endpoint: Type.String(),
    /** closed: latency is labelled closed-loop and never used for verdicts. */
    loadModel: LoadModelSchema,
    /** Number of repeats merged into this row: one run per repeat, its last healthy attempt (or its last attempt when none was healthy). */
    repeats: Type.Integer({ minimum: 1 }),
    /**
     * true when the percentiles are those of all samples (histograms merged, or a single run).
     * false when some run had no histogram (k6 exports none) and there were several repeats:
     * the percentiles are then means of the per-repeat percentiles, and `perRepeat` holds each.
     */
    histogramsMerged: Type.Boolean(),
    /** Headline latency: from each request's intended start, merged over repeats. */
    fromIntended: PercentilesSchema,
    /** Latency from the actual send, merged over repeats. */
    fromSend: PercentilesSchema,
    throughputMeanRps: Type.Number({ minimum: 0 }),
    intendedTotal: Type.Integer({ minimum: 0 }),
    sentTotal: Type.Integer({ minimum: 0 }),
    okTotal: Type.Integer({ minimum: 0 }),
    errorsTotal: Type.Integer({ minimum: 0 }),
    errorsByKind: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    unservedTotal: Type.Integer({ minimum: 0 }),
    /** true only when the generator was valid in every merged run (unhealthy attempts that were re-run do not count). */
    generatorValid: Type.Boolean(),
    /** Per-repeat values, in repeat order: the input of later confidence intervals. */
    perRepeat: Type.Array(RepeatSummarySchema),
  },
  { additionalProperties: false },
);
export type SummaryRow = Static<typeof SummaryRowSchema>;

/** A ratio to the baseline; null when the baseline value is 0 or absent. */
const RatioSchema = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);

/** A confidence interval [low, high]. */
export const IntervalSchema = Type.Object({ low: Type.Number(), high: Type.Number() }, { additionalProperties: false });
export type Interval = Static<typeof IntervalSchema>;

const MaybeIntervalSchema = Type.Union([IntervalSchema, Type.Null()]);

/**
 * How an interval over repeats was computed (docs/statistics.md). Every method works on one value
 * per healthy repeat (the repeat's own p99, cost per request, rate, ...), never on pooled samples:
 * latencies inside one run move together, so the repeat is the unit of noise.
 */
export const IntervalMethodSchema = Type.Union([
  /** t-interval on ln(candidate_i / baseline_i) over repeats paired by number (interleaved A B A B ran them back to back), n - 1 df. */
  Type.Literal('paired-t'),
  /** Welch t-interval on mean ln(candidate) - mean ln(baseline), for repeats that are not paired (two separate reports). */
  Type.Literal('welch-t'),
  /** One-sample t-interval on ln of the per-repeat values: the geometric mean of a configuration's value. */
  Type.Literal('one-sample-t'),
  /** Rates: the union of Cox's lognormal-mean interval on the per-repeat rates and a Wilson interval on the pooled counts. */
  Type.Literal('rate-cox-wilson'),
  /** No interval: fewer healthy repeats than MIN_REPEATS_FOR_VERDICT, or no usable values (the reason says which). */
  Type.Literal('none'),
]);
export type IntervalMethod = Static<typeof IntervalMethodSchema>;

/** candidate - baseline and candidate / baseline of one latency percentile, with the ratio's CI over repeats. */
export const DifferenceSchema = Type.Object(
  {
    /** Merged candidate percentile minus merged baseline percentile (the table's numbers), ms. */
    deltaMs: Type.Number(),
    /**
     * The interval's point estimate of candidate / baseline: the geometric mean of the per-repeat
     * ratios (paired) or of the per-repeat values' ratio (unpaired). Can differ slightly from the
     * ratio of the merged percentiles. null when it could not be computed.
     */
    ratio: RatioSchema,
    /** null when no CI could be computed (see VsBaseline.ciUnavailableReason). */
    ratioCi: MaybeIntervalSchema,
  },
  { additionalProperties: false },
);
export type Difference = Static<typeof DifferenceSchema>;

/** How a configuration differs from the baseline, with t-intervals over healthy repeats (docs/statistics.md). */
export const VsBaselineSchema = Type.Object(
  {
    /** Confidence level of every interval, e.g. 0.95. */
    confidence: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    /** paired-t when enough repeats of both ran back to back, welch-t otherwise, none without a CI. */
    method: IntervalMethodSchema,
    /** Repeats paired by number (0 unless method is paired-t). */
    pairs: Type.Integer({ minimum: 0 }),
    /** Healthy repeats of each side (the last healthy attempt of each repeat). */
    repeatsBaseline: Type.Integer({ minimum: 0 }),
    repeatsCandidate: Type.Integer({ minimum: 0 }),
    /** Why the intervals are null, e.g. "needs ≥ 3 healthy repeats (baseline 2, candidate 1)"; '' when they are present. */
    ciUnavailableReason: Type.String(),
    p50: DifferenceSchema,
    p99: DifferenceSchema,
  },
  { additionalProperties: false },
);
export type VsBaseline = Static<typeof VsBaselineSchema>;

export const ComparisonEntrySchema = Type.Object(
  {
    configuration: Type.String(),
    p50Ms: Type.Number(),
    p99Ms: Type.Number(),
    p50RatioToBaseline: RatioSchema,
    p99RatioToBaseline: RatioSchema,
    /** Absent on the baseline's own entry. */
    vsBaseline: Type.Optional(VsBaselineSchema),
  },
  { additionalProperties: false },
);
export type ComparisonEntry = Static<typeof ComparisonEntrySchema>;

export const EndpointComparisonSchema = Type.Object(
  {
    endpoint: Type.String(),
    /**
     * false when a configuration ran closed-loop, timed latency from send only (k6), has a repeat
     * whose generator was unhealthy in every attempt, or the baseline has no samples.
     */
    verdictUsable: Type.Boolean(),
    unusableReasons: Type.Array(Type.String()),
    /** One entry per configuration that measured this endpoint, in configuration order. */
    entries: Type.Array(ComparisonEntrySchema),
  },
  { additionalProperties: false },
);
export type EndpointComparison = Static<typeof EndpointComparisonSchema>;

export const ComparisonSchema = Type.Object(
  {
    /** Configuration every ratio is relative to (the first configuration unless named). */
    baseline: Type.String(),
    endpoints: Type.Array(EndpointComparisonSchema),
  },
  { additionalProperties: false },
);
export type Comparison = Static<typeof ComparisonSchema>;

export const ReportSchema = Type.Object(
  {
    schemaVersion: Type.Literal(REPORT_SCHEMA_VERSION),
    metadata: ReportMetadataSchema,
    configurations: Type.Array(ConfigurationSchema, { minItems: 1 }),
    runs: Type.Array(RunResultSchema),
    /** One row per configuration x endpoint, endpoint-major, configurations in the given order. */
    summary: Type.Array(SummaryRowSchema),
    comparison: ComparisonSchema,
    /**
     * Server-side metrics digested per configuration (reports/server-side/), in configuration
     * order; absent when no run carried server metrics (older results, runs without collectors).
     */
    serverSummary: Type.Optional(Type.Array(ServerSummarySchema)),
    /** Per non-baseline configuration: what changed on the server side against the baseline. Absent with serverSummary. */
    attribution: Type.Optional(Type.Array(ConfigurationAttributionSchema)),
    /** Model vs measured: each configuration predicted by a calibration that excluded it (reports/model/). */
    model: Type.Optional(ModelValidationSchema),
    /** Present on reports of `feedscale simulate`: every figure in it is predicted by the model, none measured. */
    prediction: Type.Optional(PredictionLabelSchema),
  },
  { additionalProperties: false },
);
export type Report = Static<typeof ReportSchema>;
