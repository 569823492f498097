/**
 * Writes reports/json-schema/*.schema.json from the TypeBox schemas.
 * Run after changing lib/result-schema.ts (or the schemas it includes) or reports/report-schema.ts:
 *   npx tsx reports/generate-json-schema.ts
 * The files are committed; json-schema-files.test.ts fails while they differ from the code.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { JSON_SCHEMA_DIR, jsonSchemaFiles } from './json-schema-files.ts';
import { writeAtomically } from './write-report.ts';
import { mkdir } from 'node:fs/promises';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const dir = join(repoRoot, JSON_SCHEMA_DIR);
await mkdir(dir, { recursive: true });
for (const [file, content] of Object.entries(jsonSchemaFiles())) {
  await writeAtomically(join(dir, file), content);
  process.stdout.write(`wrote ${join(JSON_SCHEMA_DIR, file)}\n`);
}
