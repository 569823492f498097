import type { TSchema } from '@sinclair/typebox';
import { StackConfigSchema } from '../containers/stack-config.ts';
import { PlanSchema } from '../scenarios/plans/plan-schema.ts';
import { WorkloadModelSchema } from '../scenarios/workload/model.ts';
import { RUN_FLAGS } from './run-flags.ts';
import { RunConfigSchema } from './run-config.ts';

/**
 * docs/configuration.md is generated from the schemas (`npm run docs`), and a test fails when
 * the committed file differs, so the reference cannot drift from the code.
 */
interface Row {
  path: string;
  type: string;
  defaultValue: string;
  rule: string;
  description: string;
}

function typeOf(schema: TSchema): string {
  if (schema.anyOf) return (schema.anyOf as TSchema[]).map((s) => (s.const !== undefined ? JSON.stringify(s.const) : typeOf(s))).join(' \\| ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === 'array') return `${typeOf(schema.items as TSchema)}[]`;
  return String(schema.type ?? 'any');
}

function ruleOf(schema: TSchema): string {
  const rules: string[] = [];
  if (schema.minimum !== undefined) rules.push(`>= ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) rules.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) rules.push(`<= ${schema.maximum}`);
  if (schema.minLength !== undefined) rules.push(`length >= ${schema.minLength}`);
  if (schema.minItems !== undefined) rules.push(`items >= ${schema.minItems}`);
  if (schema.pattern !== undefined) rules.push(`matches \`${schema.pattern}\``);
  return rules.join(', ');
}

function rows(schema: TSchema, prefix: string, out: Row[], seeBelow: readonly string[] = []): Row[] {
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [key, child] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const isObject = child.type === 'object' && child.properties && Object.keys(child.properties).length > 0;
    const defaultValue =
      child.default === undefined ? (required.has(key) && !isObject ? 'required' : '') : `\`${JSON.stringify(child.default)}\``;
    const description = escapeCell(String(child.description ?? ''));
    if (seeBelow.includes(path)) {
      out.push({ path, type: 'object', defaultValue: '', rule: '', description: `${description} See the section below.`.trim() });
      continue;
    }
    if (isObject && (child.default === undefined || JSON.stringify(child.default) === '{}')) {
      if (description) out.push({ path, type: 'object', defaultValue: '', rule: ruleOf(child), description });
      rows(child, path, out, seeBelow);
      continue;
    }
    out.push({ path, type: typeOf(child), defaultValue, rule: ruleOf(child), description });
  }
  return out;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(title: string, intro: string, schema: TSchema, prefix = '', seeBelow: readonly string[] = []): string {
  const lines = [`## ${title}`, '', intro, '', '| field | type | default | rule | meaning |', '|---|---|---|---|---|'];
  for (const r of rows(schema, prefix, [], seeBelow)) lines.push(`| \`${r.path}\` | ${r.type} | ${r.defaultValue} | ${r.rule} | ${r.description} |`);
  return `${lines.join('\n')}\n`;
}

export function renderConfigurationReference(): string {
  const flags = ['| flag | sets | meaning |', '|---|---|---|'];
  for (const spec of Object.values(RUN_FLAGS)) flags.push(`| \`${escapeCell(spec.flag)}\` | \`${spec.path.join('.')}\` | ${escapeCell(spec.help)} |`);
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from the TypeBox schemas by `npm run docs`; a test fails when this file and the code disagree. -->',
    '',
    '`feedscale run --config run.json` reads a JSON run configuration; command-line flags override it. Every value is validated once, every broken rule is reported with its path (exit code 2, `CFG_ERR_INVALID`), and unknown keys are errors.',
    '',
    '## Command-line flags of `feedscale run`',
    '',
    ...flags,
    '',
    table('Run configuration', 'The top level of `run.json`.', RunConfigSchema, '', ['stack', 'workload']),
    table(
      'Stack configuration',
      'The `stack` object of a run configuration, and the `stack` overrides of each entry of `configurations` (all fields but `catalog`).',
      StackConfigSchema,
      'stack',
    ),
    table('Workload model', 'The `workload` object: overrides of the 2011 workload model (docs/facts.md). Every field is optional.', WorkloadModelSchema, 'workload'),
    table('Plan', 'A plan file (scenarios/plans/*.json, or any path given to `--plan`).', PlanSchema),
  ].join('\n');
}
