import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../lib/errors.ts';
import { TEST_CALIBRATION } from '../simulator/calibration/synthetic-runs.ts';

const BIN = new URL('../bin/feedscale.js', import.meta.url).pathname;

function feedscale(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'silent' }, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Neither needs Docker: bad input is rejected before anything runs, and simulate runs nothing.
describe('feedscale simulate and calibrate', () => {
  it('exits 2 and names the flag for --users that is not a positive integer', () => {
    const { code, stderr } = feedscale('simulate', '--users', 'many');
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('CFG_ERR_INVALID');
    expect(stderr).toContain('--users must be a positive integer');
  });

  it('exits 2 and names the field of a bad run configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-simulate-'));
    const calibration = join(dir, 'calibration.json');
    writeFileSync(calibration, JSON.stringify(TEST_CALIBRATION));
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify({ stack: { physicalShards: 0 } }));
    const { code, stderr } = feedscale('simulate', '--config', config, '--calibration', calibration, '--out', dir);
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('/stack/physicalShards');
  });

  it('exits 2 with CFG_ERR_FILE when no calibration can be found', () => {
    const { code, stderr } = feedscale('simulate', '--users', '1000', '--calibration', join(tmpdir(), 'no-such-calibration.json'));
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('CFG_ERR_FILE');
  });

  it('exits 2 for calibrate --rates that are not positive, before any container starts', () => {
    const { code, stderr } = feedscale('calibrate', '--rates', '40,-1');
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('--rates must be positive numbers');
  });

  it('predicts the 14M-user fleet beside the 2011 fleet, with a ratio per tier', () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-simulate-'));
    const calibration = join(dir, 'calibration.json');
    writeFileSync(calibration, JSON.stringify(TEST_CALIBRATION));
    const { code, stdout } = feedscale('simulate', '--users', '14000000', '--calibration', calibration, '--out', dir);
    expect(code).toBe(ExitCode.OK);
    expect(stdout).toContain('Predicted fleet for 14.00M users');
    expect(stdout).toMatch(/\| app \| \d+ \| 8 \|/);
    expect(stdout).toContain('Beside the 2011 fleet');
    expect(stdout).toMatch(/\| feed\.read \| \d+ \| [\d.]+ \| [\d.]+ \|/);
    const [folder] = readdirSync(dir).filter((f) => f.startsWith('simulate-'));
    expect(existsSync(join(dir, folder!, 'fleet.md'))).toBe(true);
    const fleet = JSON.parse(readFileSync(join(dir, folder!, 'fleet.json'), 'utf8')) as { comparison: Array<{ tier: string; hosts2011: number | null }> };
    expect(fleet.comparison.find((c) => c.tier === 'app')!.hosts2011).toBe(25);
  });
});
