import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../lib/errors.ts';

const BIN = new URL('../bin/feedscale.js', import.meta.url).pathname;

function feedscale(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'silent' }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Bad input is rejected before any container or engine is touched, so these need no Docker.
describe('the feedscale command on bad input', () => {
  it('exits 2 and names the flag, the field and the rule for --shards 0', () => {
    const { code, stderr } = feedscale('run', '--shards', '0');
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('CFG_ERR_INVALID');
    expect(stderr).toContain('/stack/physicalShards (--shards)');
    expect(stderr).toMatch(/greater or equal to 1/);
  });

  it('exits 2 for a non-numeric rate and says what it got', () => {
    const { code, stderr } = feedscale('run', '--rate', 'fast');
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('/load/rateRps (--rate)');
    expect(stderr).toContain('"fast"');
  });

  it('exits 2 for an unknown key in a config file and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-cli-'));
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify({ stack: { shardz: 3 } }));
    const { code, stderr } = feedscale('run', '--config', file);
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('/stack/shardz');
    expect(stderr).toContain('Unexpected property');
  });

  it('exits 2 for a config file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-cli-'));
    const file = join(dir, 'run.json');
    writeFileSync(file, '{ not json');
    const { code, stderr } = feedscale('run', '--config', file);
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('CFG_ERR_FILE');
  });

  it('exits 2 for an unknown plan', () => {
    const { code, stderr } = feedscale('run', '--plan', 'no-such-plan');
    expect(code).toBe(ExitCode.BAD_INPUT);
    expect(stderr).toContain('no-such-plan');
  });

  it('exits 2 for an unknown option', () => {
    const { code } = feedscale('run', '--shard-count', '3');
    expect(code).toBe(ExitCode.BAD_INPUT);
  });
});
