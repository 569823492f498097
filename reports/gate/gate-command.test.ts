import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, isFeedscaleError } from '../../lib/errors.ts';
import { buildReport } from '../build-report.ts';
import { renderJson } from '../render/json.ts';
import { latencyReport, latencyRuns, QUIET_FACTORS } from '../testing/gate-fixtures.ts';
import { makeMetadata } from '../testing/run-fixtures.ts';
import { runGateCommand } from './gate-command.ts';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function setup(tailExtraUs: number) {
  const dir = await mkdtemp(join(tmpdir(), 'feedscale-gate-'));
  made.push(dir);
  const baselinePath = join(dir, 'baseline.json');
  const candidatePath = join(dir, 'candidate.json');
  await writeFile(baselinePath, renderJson(latencyReport({ factors: QUIET_FACTORS })));
  await writeFile(candidatePath, renderJson(latencyReport({ factors: QUIET_FACTORS, tailExtraUs })));
  return { dir, baselinePath, candidatePath };
}

describe('runGateCommand', () => {
  it('returns exit code 3 for a regression and writes junit.xml and gate.md', async () => {
    const { dir, baselinePath, candidatePath } = await setup(20_000);
    const thresholdsPath = join(dir, 'gate.json');
    await writeFile(thresholdsPath, JSON.stringify({ thresholds: ['feed.read:p(99)<=+10%', '*:error_rate<0.01'] }));
    const out = join(dir, 'out');
    const result = await runGateCommand({ baselinePath, candidatePath, thresholdsPath, outDir: out });
    expect(result.exitCode).toBe(ExitCode.GATE_FAILED);
    expect(result.markdown.startsWith('# feedscale gate: FAILED\n')).toBe(true);
    expect(result.markdown).toContain('**Unpaired:** baseline and candidate come from two reports');
    expect(result.junitXml).toContain('name="feedscale gate: main vs main (unpaired)"');
    expect((await readdir(out)).sort()).toEqual(['gate.md', 'junit.xml']);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toBe(result.junitXml);
  });

  it('returns exit code 0 for identical reports with thresholds given inline', async () => {
    const { baselinePath } = await setup(0);
    const result = await runGateCommand({ baselinePath, candidatePath: baselinePath, thresholds: ['*:p(99)<=+10%'] });
    expect(result.exitCode).toBe(ExitCode.OK);
    expect(result.written).toEqual([]);
  });

  it('pairs the repeats of one job given with --report and the two configuration names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feedscale-gate-'));
    made.push(dir);
    const reportPath = join(dir, 'report.json');
    const drift = [0.8, 0.9, 1.0, 1.1, 1.2];
    const report = buildReport({
      configurations: [{ name: 'main', stack: {} }, { name: 'pr', stack: {} }],
      metadata: makeMetadata(),
      runs: [...latencyRuns({ configuration: 'main', factors: drift }), ...latencyRuns({ configuration: 'pr', factors: drift, tailExtraUs: 20_000 })],
    });
    await writeFile(reportPath, renderJson(report));
    const result = await runGateCommand({ reportPath, baselineConfiguration: 'main', candidateConfiguration: 'pr', thresholds: ['feed.read:p(99)<=+10%'] });
    expect(result.exitCode).toBe(ExitCode.GATE_FAILED);
    expect(result.result.pairing).toBe('paired');
    expect(result.markdown).toContain('Paired: repeat i of both configurations ran back to back in one job');
    expect(result.markdown).toContain('| paired t, 5 pairs |');
    const both = await runGateCommand({ reportPath, candidatePath: reportPath, thresholds: ['feed.read:p(99)<=+10%'] }).catch((err: unknown) => err);
    expect(isFeedscaleError(both) && both.code).toBe('CFG_ERR_INVALID');
  });

  it('names the bad expression of a gate file and fails on a missing report with CFG_ERR_FILE', async () => {
    const { dir, baselinePath, candidatePath } = await setup(0);
    const thresholdsPath = join(dir, 'gate.json');
    await writeFile(thresholdsPath, JSON.stringify({ thresholds: ['feed.read:p99<250'] }));
    const bad = await runGateCommand({ baselinePath, candidatePath, thresholdsPath }).catch((err: unknown) => err);
    expect(isFeedscaleError(bad) && bad.code).toBe('CFG_ERR_INVALID');
    expect((bad as Error).message).toContain('threshold "feed.read:p99<250"');
    const missing = await runGateCommand({ candidatePath: join(dir, 'nope.json'), thresholds: ['*:p(99)<1'] }).catch((err: unknown) => err);
    expect(isFeedscaleError(missing) && missing.code).toBe('CFG_ERR_FILE');
  });
});
