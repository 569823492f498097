/**
 * Aggregates over lists that may be empty: a part of the stack that was not collected gives
 * undefined, never NaN, -Infinity or a 0 that would read as a measurement.
 */

export function meanOf(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

export function sumOf(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

export function maxOf(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : Math.max(...values);
}

export function defined<T>(values: ReadonlyArray<T | undefined>): T[] {
  return values.filter((v): v is T => v !== undefined);
}

/** max / mean across parts (1 = even); undefined with fewer than two parts or no load. */
export function skewOf(values: readonly number[]): number | undefined {
  if (values.length < 2) return undefined;
  const m = meanOf(values)!;
  return m > 0 ? Math.max(...values) / m : undefined;
}
