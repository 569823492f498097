import type { FastifySchemaValidationError } from 'fastify';

/**
 * Numbers in a URL (query string, path parameters) must be written as decimal numbers.
 *
 * Ajv's coercion turns any text `Number()` accepts into a number: "Infinity" and "1e400" become
 * Infinity, which passes `type: integer` and every range keyword, so `?limit=Infinity` reached
 * Redis as LRANGE 0 Infinity and came back a 500. It also accepts "0x10", " 5" and "" (as 16, 5
 * and 0). This check runs before Ajv on the raw texts: a field the schema types as integer must
 * be an optional minus and digits, a number field a plain decimal (fraction and exponent
 * allowed), and either must be finite. A failure is reported the way Ajv reports one (same
 * error shape, so the route's error formatter and the API error body apply unchanged).
 */

/** An Ajv-shaped error, as Fastify's schema error formatters read them. */
export type NumberSyntaxError = Required<FastifySchemaValidationError>;

const INTEGER_TEXT = /^-?[0-9]+$/;
const NUMBER_TEXT = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

type NumericKind = 'integer' | 'number';

/** The top-level fields of an object schema that are numbers, and which kind. */
export function numericFields(schema: unknown): ReadonlyMap<string, NumericKind> {
  const fields = new Map<string, NumericKind>();
  const properties = (schema as { properties?: Record<string, unknown> } | null | undefined)?.properties;
  if (properties === undefined || properties === null || typeof properties !== 'object') return fields;
  for (const [name, property] of Object.entries(properties)) {
    const kind = numericKind(property);
    if (kind !== undefined) fields.set(name, kind);
  }
  return fields;
}

function numericKind(schema: unknown): NumericKind | undefined {
  const type = (schema as { type?: unknown } | null | undefined)?.type;
  const types = Array.isArray(type) ? type : [type];
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  return undefined;
}

/** The first field of `data` (raw texts) whose number is malformed or not finite, as an Ajv error; null when all are fine. */
export function checkNumberTexts(fields: ReadonlyMap<string, NumericKind>, data: unknown): NumberSyntaxError | null {
  if (fields.size === 0 || data === null || typeof data !== 'object') return null;
  const record = data as Record<string, unknown>;
  for (const [name, kind] of fields) {
    if (!Object.hasOwn(record, name)) continue;
    const value = record[name];
    // A repeated key arrives as an array; every element is checked (Ajv then rejects the array if the schema wants one value).
    const texts = Array.isArray(value) ? value : [value];
    for (const text of texts) {
      if (typeof text !== 'string') continue;
      const pattern = kind === 'integer' ? INTEGER_TEXT : NUMBER_TEXT;
      if (!pattern.test(text) || !Number.isFinite(Number(text))) {
        return {
          instancePath: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          schemaPath: `#/properties/${name}/type`,
          keyword: 'type',
          params: { type: kind },
          message: kind === 'integer' ? 'must be a finite integer in decimal digits' : 'must be a finite decimal number',
        };
      }
    }
  }
  return null;
}

/** What Fastify calls to validate one part of a request (an Ajv validate function, in effect). */
export interface PartValidator {
  // Fastify's own signature takes any.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (data: any): unknown;
  errors?: FastifySchemaValidationError[] | null;
}

/**
 * Wraps a coercing validator of a query string or path parameters so that malformed or
 * non-finite number texts fail validation before Ajv coerces them.
 *
 * @example
 * app.setValidatorCompiler((route) => withStrictNumbers(route.schema, coercing(route)));
 */
export function withStrictNumbers<V extends PartValidator>(schema: unknown, validate: V): V {
  const fields = numericFields(schema);
  if (fields.size === 0) return validate;
  const strict = ((data: unknown) => {
    const error = checkNumberTexts(fields, data);
    if (error !== null) {
      strict.errors = [error];
      return false;
    }
    const result = validate(data);
    strict.errors = validate.errors;
    return result;
  }) as V;
  return strict;
}
