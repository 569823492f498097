import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonSchemaFiles } from './json-schema-files.ts';

const dir = fileURLToPath(new URL('./json-schema/', import.meta.url));

describe('committed JSON Schema files', () => {
  for (const [file, expected] of Object.entries(jsonSchemaFiles())) {
    it(`${file} matches the TypeBox schema (regenerate with: npx tsx reports/generate-json-schema.ts)`, async () => {
      const committed = await readFile(`${dir}${file}`, 'utf8');
      expect(committed).toBe(expected);
    });
  }

  it('every generated file is a JSON Schema document with a draft and an id', () => {
    for (const content of Object.values(jsonSchemaFiles())) {
      const parsed = JSON.parse(content) as Record<string, unknown>;
      expect(parsed.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(parsed.$id).toMatch(/^urn:feedscale:(result|report|calibration):v\d+$/);
      expect(parsed.type).toBe('object');
    }
  });
});
