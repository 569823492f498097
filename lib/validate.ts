import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FeedscaleError } from './errors.ts';
import { registerFormats } from './formats.ts';

// Schemas use format: 'date-time'; TypeBox rejects unknown formats, so register ours once.
registerFormats();

/** One broken rule, with the JSON path of the field (e.g. "/stack/physicalShards"). */
export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * Fills defaults, converts obvious strings from the command line ("4" -> 4), checks the
 * schema and returns a deep-frozen copy. Every issue is reported with its path at once.
 */
export function validateConfig<T extends TSchema>(schema: T, input: unknown, what: string): Readonly<Static<T>> {
  const withDefaults = Value.Default(schema, Value.Clone(input ?? {}));
  const converted = Value.Convert(schema, withDefaults);
  const issues = listIssues(schema, converted);
  if (issues.length > 0) {
    const lines = issues.map((i) => `${i.path || '/'}: ${i.message}`);
    throw new FeedscaleError('CFG_ERR_INVALID', `invalid ${what}:\n  ${lines.join('\n  ')}`, { details: lines });
  }
  return deepFreeze(converted as Static<T>);
}

/**
 * validateConfig, then the rules between fields that a schema cannot say (each issue with the
 * path of the field that breaks it), every issue at once as one CFG_ERR_INVALID.
 */
export function validateConfigWithRules<T extends TSchema>(
  schema: T,
  input: unknown,
  what: string,
  rules: (config: Readonly<Static<T>>) => ConfigIssue[],
): Readonly<Static<T>> {
  const config = validateConfig(schema, input, what);
  const issues = rules(config).map((i) => `${i.path}: ${i.message}`);
  if (issues.length > 0) throw new FeedscaleError('CFG_ERR_INVALID', `invalid ${what}:\n  ${issues.join('\n  ')}`, { details: issues });
  return config;
}

export function listIssues(schema: TSchema, value: unknown): ConfigIssue[] {
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    const message = error.schema.errorMessage ?? describe(error.message, error.value);
    const key = `${error.path}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path: error.path, message });
  }
  return issues;
}

function describe(message: string, value: unknown): string {
  if (value === undefined) return message;
  const shown = JSON.stringify(value);
  return `${message} (got ${shown === undefined ? String(value) : shown.slice(0, 60)})`;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/**
 * A copy of a schema with every `default` removed, for "overrides" objects whose missing
 * fields must stay missing (not be filled with the base's defaults).
 */
export function withoutDefaults<T extends TSchema>(schema: T): T {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== 'object') return node;
    const out: Record<PropertyKey, unknown> = {};
    for (const key of Reflect.ownKeys(node)) {
      if (key === 'default') continue;
      out[key] = strip((node as Record<PropertyKey, unknown>)[key]);
    }
    return out;
  };
  return strip(schema) as T;
}
