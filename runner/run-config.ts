import { Type, type Static } from '@sinclair/typebox';
import { FeedscaleError } from '../lib/errors.ts';
import { deepFreeze, listIssues, validateConfig, withoutDefaults } from '../lib/validate.ts';
import { type StackConfig, StackConfigSchema, checkStackConfig, loadStackConfig } from '../containers/stack-config.ts';
import { WorkloadModelSchema } from '../scenarios/workload/model.ts';

/**
 * The main job's configuration: one base stack, the configurations that vary it, the dataset,
 * the plan and the output folder. A config file (--config) and command-line options fill it;
 * it is validated once, every issue reported with its path, and frozen.
 */
const StackOverridesSchema = withoutDefaults(Type.Partial(Type.Omit(StackConfigSchema, ['catalog']), { additionalProperties: false }));

export const ConfigurationSpecSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', description: 'Label in reports, e.g. "memcached-off"' }),
    description: Type.Optional(Type.String()),
    /** Fields of the base stack this configuration changes. */
    stack: Type.Optional(StackOverridesSchema),
  },
  { additionalProperties: false },
);
export type ConfigurationSpec = Static<typeof ConfigurationSpecSchema>;

export const DEFAULT_CONFIGURATIONS: ConfigurationSpec[] = [
  { name: 'memcached-on', description: 'read-through memcached for user and media objects', stack: { cache: 'memcached' } },
  { name: 'memcached-off', description: 'every hydration reads Postgres', stack: { cache: 'off' } },
];

/** What runs each configuration's stack; the plans, the collectors and the report are the same on both. */
export const StackEngineSchema = Type.Union([Type.Literal('testcontainers'), Type.Literal('swarm')], {
  default: 'testcontainers',
  description:
    'testcontainers: one container per service on this Docker engine; swarm: `docker stack deploy` of the same services on Docker Swarm (a single-node swarm is initialised for the run when the engine has none, and left again after it).',
});
export type StackEngine = Static<typeof StackEngineSchema>;

export const RunConfigSchema = Type.Object(
  {
    engine: StackEngineSchema,
    seed: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, default: 2011, description: 'Seed of the dataset and of every request stream.' }),
    outDir: Type.String({ minLength: 1, default: 'out', description: 'Results go to `<outDir>/<timestamp>-<id>/`; `<outDir>/latest` points at the newest.' }),
    stack: Type.Object(StackConfigSchema.properties, { additionalProperties: false, default: {}, description: 'The base stack every configuration starts from.' }),
    configurations: Type.Array(ConfigurationSpecSchema, {
      minItems: 1,
      default: DEFAULT_CONFIGURATIONS,
      description: 'The configurations compared: each a name and the `stack` fields it changes. The first is the baseline.',
    }),
    workload: Type.Object(withoutDefaults(Type.Partial(WorkloadModelSchema)).properties, {
      additionalProperties: false,
      default: {},
      description: 'Overrides of the workload model; the default scaleFactor 1/5000 gives 2,800 users.',
    }),
    plan: Type.String({ minLength: 1, default: 'feed-read', description: 'Plan name (scenarios/plans/<name>.json) or path to a plan file.' }),
    plans: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description: 'Several plans, each run against every configuration (one report per plan); replaces `plan`.',
      }),
    ),
    matrix: Type.Optional(
      Type.Object(
        Object.fromEntries(
          Object.entries(StackOverridesSchema.properties)
            .filter(([key]) => key !== 'cpus')
            .map(([key, schema]) => [key, Type.Optional(Type.Array(schema, { minItems: 1 }))]),
        ),
        {
          additionalProperties: false,
          minProperties: 1,
          description:
            'Stack fields and the values to try; the configurations are every combination (e.g. {"physicalShards":[1,2,4],"cache":["memcached","off"]} gives 6), named after their values. Replaces `configurations`.',
        },
      ),
    ),
    load: Type.Object(
      {
        rateRps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'Arrival rate of a constant or Poisson plan, requests/s.' })),
        durationS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description: 'Measured seconds, after the warm-up.' })),
        warmupS: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: 'Warm-up seconds: sent, not recorded.' })),
      },
      { additionalProperties: false, default: {}, description: "Overrides of the plan's load shape." },
    ),
    repeats: Type.Integer({ minimum: 1, maximum: 50, default: 1, description: 'Repeats of each configuration, run interleaved (A B A B) to cancel machine drift.' }),
    duet: Type.Union([Type.Boolean(), Type.Literal('alternating')], {
      default: false,
      description:
        "Duet mode: each repeat starts every configuration's stack side by side (needs the memory for all stacks at once). `true` loads them at the same moment, each with its own generator, so machine noise hits all of them alike (needs the cores for all loads at once). `\"alternating\"` loads them one after the other, the order reversed every other repeat, so the sides of a pair are one run apart instead of one stack start apart.",
    }),
    maxAttempts: Type.Integer({
      minimum: 1,
      maximum: 10,
      default: 3,
      description: 'Runs of a repeat at most: a repeat whose load generator was unhealthy (no latency verdict) is run again right away, up to this many times in all.',
    }),
  },
  { additionalProperties: false },
);
export type RunConfig = Static<typeof RunConfigSchema>;

export interface ResolvedConfiguration {
  name: string;
  description: string;
  stack: Readonly<StackConfig>;
}

/** Short labels for matrix names: physicalShards=4 -> "shards-4". */
const MATRIX_LABELS: Readonly<Record<string, string>> = {
  physicalShards: 'shards',
  logicalShards: 'logical',
  appInstances: 'apps',
  pgbouncerPoolSize: 'pool',
  appPgPoolMax: 'apppool',
  memcachedMemoryMb: 'memcached-mb',
};

/** Every combination of the matrix's values, first field varying slowest, as configurations. */
export function expandMatrix(matrix: Readonly<Record<string, readonly unknown[] | undefined>>): ConfigurationSpec[] {
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    if (!values) continue;
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [key]: value })));
  }
  return combos.map((stack) => ({
    name: Object.entries(stack)
      .map(([key, value]) => (key === 'cache' ? `memcached-${value === 'memcached' ? 'on' : 'off'}` : `${MATRIX_LABELS[key] ?? key}-${String(value)}`))
      .join('.')
      .toLowerCase(),
    description: Object.entries(stack)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(', '),
    stack: stack as ConfigurationSpec['stack'],
  }));
}

/**
 * The run config and configurations of a job folder's manifest, validated again: the
 * configurations as they were resolved then (a matrix already expanded), so `--resume` runs
 * exactly what the interrupted job was to run.
 */
export function loadSavedRunConfig(saved: { run: unknown; configurations: readonly { name: string; description?: string; stack: unknown }[] }): {
  run: Readonly<RunConfig>;
  configurations: ResolvedConfiguration[];
} {
  const { matrix: _expanded, ...rest } = (saved.run ?? {}) as Record<string, unknown>;
  const run = validateConfig(RunConfigSchema, rest, 'saved run configuration');
  const configurations = saved.configurations.map((c, i) => ({
    name: c.name,
    description: c.description ?? '',
    stack: loadStackConfig(c.stack, `saved configuration ${i} ("${c.name}")`) as StackConfig,
  }));
  return { run, configurations };
}

/** Validates the run config and each configuration's merged stack; every issue names its path. */
export function loadRunConfig(input: unknown): { run: Readonly<RunConfig>; configurations: readonly ResolvedConfiguration[]; plans: readonly string[] } {
  const run = validateConfig(RunConfigSchema, input, 'run configuration');
  const issues: string[] = [];
  const names = new Set<string>();
  const explicit = (input as { configurations?: unknown } | undefined)?.configurations !== undefined;
  if (run.matrix && explicit) issues.push('/matrix: give either `matrix` or `configurations`, not both');
  const specs = run.matrix ? expandMatrix(run.matrix as Record<string, readonly unknown[]>) : run.configurations;
  const configurations = specs.map((spec, i) => {
    if (names.has(spec.name)) issues.push(`/configurations/${i}/name: "${spec.name}" appears twice`);
    names.add(spec.name);
    const merged = { ...run.stack, ...spec.stack, cpus: { ...run.stack.cpus, ...spec.stack?.cpus } };
    const schemaIssues = listIssues(StackConfigSchema, merged);
    for (const issue of schemaIssues) issues.push(`/configurations/${i}/stack${issue.path}: ${issue.message}`);
    if (schemaIssues.length === 0) {
      for (const issue of checkStackConfig(merged as StackConfig)) issues.push(`/configurations/${i}/stack${issue.path}: ${issue.message}`);
    }
    return { name: spec.name, description: spec.description ?? '', stack: deepFreeze(merged) as StackConfig };
  });
  const plans = run.plans ?? [run.plan];
  if (new Set(plans).size !== plans.length) issues.push('/plans: a plan appears twice');
  if (issues.length > 0) {
    throw new FeedscaleError('CFG_ERR_INVALID', `invalid run configuration:\n  ${issues.join('\n  ')}`, { details: issues });
  }
  return { run, configurations, plans };
}
