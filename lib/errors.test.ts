import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, ExitCode } from './errors.ts';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it('follow the AREA_ERR_WHAT pattern', () => {
    for (const code of Object.keys(ErrorCodes)) expect(code).toMatch(/^[A-Z]{2,4}_ERR_[A-Z_]+$/);
  });

  it('are each documented in docs/errors.md with their exit code', () => {
    for (const [code, { exitCode }] of Object.entries(ErrorCodes)) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${exitCode} \\|`));
    }
  });

  it('document no code that the code does not have', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ErrorCodes).sort());
  });

  it('map to exit codes that are unique per name and all documented', () => {
    const values = Object.values(ExitCode);
    expect(new Set(values).size).toBe(values.length);
    for (const [name, value] of Object.entries(ExitCode)) expect(doc).toContain(`| ${value} | ${name} |`);
  });
});
