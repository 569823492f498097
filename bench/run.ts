/**
 * `npm run bench [-- name ...]`: runs every bench/*.bench.ts (or the named ones, with or
 * without the suffix) one after another, each in its own process so that one benchmark's
 * CPU and heap never colour another's numbers. Exit code: 0 all met their target,
 * 3 a target was missed, 4 a benchmark stopped before its verdict (e.g. the model benchmark run in
 * pieces), 1 a benchmark crashed (lib/errors.ts ExitCode).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../lib/errors.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.bench.ts';

const all = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(SUFFIX))
  .sort();
const wanted = process.argv.slice(2).map((name) => (name.endsWith(SUFFIX) ? name : `${name}${SUFFIX}`).replace(/^bench\//, ''));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(ExitCode.BAD_INPUT);
}

const summary: { file: string; exitCode: number }[] = [];
for (const file of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== ${file} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, file)], { stdio: 'inherit' });
  summary.push({ file, exitCode: run.status ?? ExitCode.CRASH });
}

console.log('\n=== summary ===');
for (const { file, exitCode } of summary) {
  const verdict =
    exitCode === ExitCode.OK
      ? 'PASS'
      : exitCode === ExitCode.GATE_FAILED
        ? 'FAIL (target missed)'
        : exitCode === ExitCode.INCONCLUSIVE
          ? 'INCONCLUSIVE (stopped early; see its output)'
          : `CRASH (exit ${exitCode})`;
  console.log(`${file.padEnd(28)} ${verdict}`);
}
const known: number[] = [ExitCode.OK, ExitCode.GATE_FAILED, ExitCode.INCONCLUSIVE];
const worst = summary.some((s) => !known.includes(s.exitCode))
  ? ExitCode.CRASH
  : summary.some((s) => s.exitCode === ExitCode.GATE_FAILED)
    ? ExitCode.GATE_FAILED
    : summary.some((s) => s.exitCode === ExitCode.INCONCLUSIVE)
      ? ExitCode.INCONCLUSIVE
      : ExitCode.OK;
process.exit(worst);
