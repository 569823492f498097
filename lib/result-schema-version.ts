/**
 * The version of the run-result format (lib/result-schema.ts): bump it on any incompatible
 * change. A file of its own, free of imports, so the k6 scripts (which cannot load TypeBox) write
 * the same number the schema checks.
 */
export const RESULT_SCHEMA_VERSION = 2;
