import { Type, type Static } from '@sinclair/typebox';

/**
 * The report's "model vs measured" section (report.model) and the label of predicted reports
 * (report.prediction). Both optional: reports without them keep their shape.
 */
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/** The accuracy targets hold up to this utilisation of the bottleneck (issue 10). */
export const TARGET_DOMAIN_UTILISATION = 0.8;

export const ComparedFiguresSchema = Type.Object(
  { p50Ms: NullableNumber, p99Ms: NullableNumber, throughputRps: NullableNumber },
  { additionalProperties: false },
);

export const ModelRowSchema = Type.Object(
  {
    configuration: Type.String(),
    endpoint: Type.String(),
    /** Repeat of the run (predictions are per run: each run had its own machine load). */
    repeat: Type.Integer({ minimum: 0 }),
    /** Step of a stepped run, null for a constant run's measured window. */
    step: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    intendedRps: Type.Number({ minimum: 0 }),
    /** Configurations whose runs calibrated the prediction; empty when it is in-sample. */
    calibratedOn: Type.Array(Type.String()),
    inSample: Type.Boolean({ description: 'true when no other configuration could calibrate it (a single-configuration report).' }),
    measured: ComparedFiguresSchema,
    predicted: ComparedFiguresSchema,
    /** predicted / measured − 1. */
    error: Type.Object({ p50: NullableNumber, p99: NullableNumber, throughput: NullableNumber }, { additionalProperties: false }),
    /** The model's most utilised resource in this interval, and its utilisation. */
    bottleneck: Type.String(),
    bottleneckUtilisation: Type.Number({ minimum: 0 }),
    /** Cores of other work on the machine during the interval; null when the host was not sampled. */
    foreignCores: NullableNumber,
    generatorValid: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ModelRow = Static<typeof ModelRowSchema>;

export const ContentionNoteSchema = Type.Object(
  {
    endpoint: Type.String(),
    configuration: Type.String(),
    baseline: Type.String(),
    /** Measured p99 of the baseline and of the configuration, ms. */
    measuredP99Ms: Type.Object({ baseline: Type.Number(), configuration: Type.Number() }, { additionalProperties: false }),
    /** The model's p99 with every container on the measured host, and with one host per tier instance. */
    sharedP99Ms: Type.Object({ baseline: NullableNumber, configuration: NullableNumber }, { additionalProperties: false }),
    dedicatedP99Ms: Type.Object({ baseline: NullableNumber, configuration: NullableNumber }, { additionalProperties: false }),
    /** Share of the predicted difference that disappears on dedicated hosts (1 = all of it is host contention). */
    contentionShare: NullableNumber,
    mostlyContention: Type.Boolean(),
    text: Type.String({ description: 'One sentence for beside the latency table.' }),
  },
  { additionalProperties: false },
);
export type ContentionNote = Static<typeof ContentionNoteSchema>;

export const ModelValidationSchema = Type.Object(
  {
    method: Type.String({ description: 'How the predictions were made, in a sentence.' }),
    placement: Type.String({ description: 'The measured placement the predictions assume.' }),
    calibration: Type.Object(
      { host: Type.String(), intervals: Type.Integer({ minimum: 0 }), notes: Type.Array(Type.String()) },
      { additionalProperties: false, description: 'The calibration on all of the report’s runs (the one written to calibration.json).' },
    ),
    rows: Type.Array(ModelRowSchema),
    /** Median absolute errors over rows whose bottleneck is at most 80% utilised (the accuracy targets' domain). */
    summary: Type.Object(
      {
        rows: Type.Integer({ minimum: 0 }),
        p50MedianAbsError: NullableNumber,
        p99MedianAbsError: NullableNumber,
        throughputMedianAbsError: NullableNumber,
      },
      { additionalProperties: false },
    ),
    contention: Type.Array(ContentionNoteSchema),
    notes: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type ModelValidation = Static<typeof ModelValidationSchema>;

export const PredictionLabelSchema = Type.Object(
  {
    source: Type.Literal('model'),
    method: Type.Union([Type.Literal('analytic'), Type.Literal('des')]),
    placement: Type.String(),
    /** The calibration file's host and creation time. */
    calibration: Type.String(),
    knees: Type.Array(
      Type.Object(
        {
          configuration: Type.String(),
          kneeRateRps: NullableNumber,
          usersSupported: NullableNumber,
          limitedBy: Type.String(),
        },
        { additionalProperties: false },
      ),
      { description: 'Per configuration: the predicted rate at which the plan’s SLO breaks (the mix kept).' },
    ),
  },
  { additionalProperties: false, description: 'Set on reports written by `feedscale simulate`: every figure is predicted, none measured.' },
);
export type PredictionLabel = Static<typeof PredictionLabelSchema>;
