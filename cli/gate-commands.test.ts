import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../lib/errors.ts';
import { buildReport } from '../reports/build-report.ts';
import { renderJson } from '../reports/render/json.ts';
import { latencyRuns } from '../reports/testing/gate-fixtures.ts';
import { makeMetadata } from '../reports/testing/run-fixtures.ts';

const BIN = new URL('../bin/feedscale.js', import.meta.url).pathname;

function feedscale(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'silent' }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const DRIFT = [0.8, 0.9, 1.0, 1.1, 1.2, 1.05];

/** One interleaved job: "main" and "pr" (20 ms slower at p99), repeat i of both back to back; written to a temp folder. */
function jobFile(): { dir: string; reportPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'feedscale-gate-cli-'));
  const report = buildReport({
    configurations: [{ name: 'main', stack: {} }, { name: 'pr', stack: {} }],
    metadata: makeMetadata(),
    runs: [...latencyRuns({ configuration: 'main', factors: DRIFT }), ...latencyRuns({ configuration: 'pr', factors: DRIFT, tailExtraUs: 20_000 })],
  });
  const reportPath = join(dir, 'report.json');
  writeFileSync(reportPath, renderJson(report));
  return { dir, reportPath };
}

// No Docker: these judge reports that exist already.
describe('the gate commands on an existing job', () => {
  const { dir, reportPath } = jobFile();

  it('feedscale gate --report pairs the repeats of one job and exits 3 on the regression', () => {
    const { code, stdout } = feedscale('gate', '--report', reportPath, '--baseline-config', 'main', '--candidate-config', 'pr', '--threshold', 'feed.read:p(99)<=+10%', '--out', dir);
    expect(code).toBe(ExitCode.GATE_FAILED);
    expect(stdout).toContain('Paired: repeat i of both configurations ran back to back in one job');
    expect(stdout).toContain('| paired t, 6 pairs |');
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('(paired)');
  });

  it('feedscale gate without thresholds judges the default gate (scenarios/gates/default.json)', () => {
    const { stdout } = feedscale('gate', '--report', reportPath, '--baseline-config', 'main', '--candidate-config', 'pr');
    expect(stdout).toContain('`feed.read:p(90)<=+35%`');
    expect(stdout).toContain('`server:pg_queries_per_req<=+10%`');
  });

  it('feedscale gate --baseline --candidate compares two files unpaired and says so', () => {
    const { code, stdout } = feedscale('gate', '--baseline', reportPath, '--candidate', reportPath, '--baseline-config', 'main', '--candidate-config', 'pr', '--threshold', 'feed.read:p(50)<=+10%');
    // The drift the pairs cancelled now counts as noise: the p50 interval straddles +10%.
    expect(code).toBe(ExitCode.INCONCLUSIVE);
    expect(stdout).toContain('**Unpaired:** baseline and candidate come from two reports');
  });

  it('feedscale aa --report judges every split of back-to-back pairs and prints the rates', () => {
    const { code, stdout } = feedscale('aa', '--report', reportPath, '--config-name', 'main', '--threshold', 'feed.read:p(99)<=+50%', '--out', dir);
    expect(code).toBe(ExitCode.OK);
    expect(stdout).toContain('A/A on this machine: "main", 3 healthy pairs of back-to-back repeats (2j, 2j+1); all 8 of 8 distinct splits of 3 pairs judged, paired');
    expect(stdout).toMatch(/false alarms \d+\.\d% \(target ≤ 5%\), inconclusive \d+\.\d% \(target ≤ 20%\)/);
    expect(JSON.parse(readFileSync(join(dir, 'aa.json'), 'utf8'))).toMatchObject({ trials: 8, thresholds: ['feed.read:p(99)<=+50%'] });
  });

  it('feedscale power --report gives the detection rate over subsets of the pairs', () => {
    const { code, stdout } = feedscale('power', '--report', reportPath, '--candidate-config', 'pr', '--pairs-per-gate', '4', '--threshold', 'feed.read:p(99)<=+10%');
    expect(code).toBe(ExitCode.OK);
    expect(stdout).toContain('Power: "pr" against "main", 6 healthy pairs; all 15 of 15 subsets of 4 pairs judged, paired');
    expect(stdout).toContain('detection rate 100.0%');
  });

  it('refuses power without --inject or --report, and an --inject it cannot read, with exit 2', () => {
    expect(feedscale('power').code).toBe(ExitCode.BAD_INPUT);
    const bad = feedscale('power', '--inject', 'feed-read:20ms');
    expect(bad.code).toBe(ExitCode.BAD_INPUT);
    expect(bad.stderr).toContain('--inject must be feed-read:+N ms or feed-read:+N queries');
  });
});
