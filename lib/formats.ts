import { FormatRegistry } from '@sinclair/typebox';

/** RFC 3339 date-time, as written by Date.prototype.toISOString (offsets allowed). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function isDateTime(value: string): boolean {
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * TypeBox rejects every string with a format it does not know ("Unknown format 'date-time'"),
 * so the formats our schemas use must be registered before Value.Check. Idempotent.
 */
export function registerFormats(): void {
  if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', isDateTime);
}
