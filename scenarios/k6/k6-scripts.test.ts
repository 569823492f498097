import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PLANS_DIR } from '../plans/load-plan.ts';

const K6_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(K6_DIR, '..', '..');
const SCRIPTS = readdirSync(K6_DIR).filter((f) => f.endsWith('.k6.ts')).sort();

describe('k6 scripts', () => {
  it('are one generic entry that runs any plan, not a copy per plan', () => {
    expect(SCRIPTS).toEqual(['plan.k6.ts']);
    expect(readdirSync(PLANS_DIR).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(1);
  });

  it('type-check against the k6 v1 types with no Node types', () => {
    const tsc = spawnSync('npx', ['tsc', '-p', 'scenarios/k6/tsconfig.json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr.replace(/^npm warn.*\n?/gm, '')).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it.each(SCRIPTS)('%s bundles with nothing left to import but k6 modules', async (script) => {
    const result = await build({
      entryPoints: [join(K6_DIR, script)],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      // neutral: a node: built-in or an npm package would fail to resolve instead of being inlined.
      platform: 'neutral',
      external: ['k6', 'k6/*'],
      absWorkingDir: REPO_ROOT,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
    expect(imports.length).toBeGreaterThan(0);
    for (const path of imports) expect(path).toMatch(/^k6(\/[a-z-]+)*$/);
    // The shared request generator is bundled in, not re-implemented, and nothing but pure
    // modules comes with it (type-only imports such as result-schema.ts and TypeBox are erased).
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('scenarios/requests/request-generator.ts');
    for (const input of inputs) expect(input).toMatch(/^(scenarios\/(k6|requests|random)\/[a-z0-9-/.]+\.ts|scenarios\/plans\/in-flight-cap\.ts|lib\/(errors|result-schema-version|random\/prng)\.ts)$/);
  });
});
