import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { MANAGED_LABEL, RUN_LABEL } from '../containers/services/service-context.ts';
import { ExitCode } from '../lib/errors.ts';
import type { Report } from '../reports/report-schema.ts';

const BIN = new URL('../bin/feedscale.js', import.meta.url).pathname;
const shared = inject('stack');
const docker = new Dockerode();

function start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/** Containers of feedscale runs other than the shared test stack. */
async function foreignContainers() {
  const all = await docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`] } });
  return all.filter((c) => c.Labels[RUN_LABEL] !== shared.runId);
}

const SMALL = ['--catalog', shared.catalog.kind, '--scale', '0.0001', '--rate', '40', '--duration', '3', '--warmup', '1', '--logical-shards', '4'];

describe('feedscale run (the main job)', () => {
  it('writes report.json and report.md with a row per configuration, prints the table and leaves no container', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedscale-main-'));
    const { done } = start(['run', ...SMALL, '--out', out]);
    const { code, stdout, stderr } = await done;
    expect(code, stderr.slice(-2000)).toBe(ExitCode.OK);
    const reportPath = join(out, 'latest', 'report.json');
    expect(existsSync(reportPath)).toBe(true);
    expect(existsSync(join(out, 'latest', 'report.md'))).toBe(true);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
    const rows = report.summary.filter((r) => r.endpoint === 'feed.read');
    expect(rows.map((r) => r.configuration)).toEqual(['memcached-on', 'memcached-off']);
    for (const row of rows) {
      expect(row.fromIntended.p99Ms).toBeGreaterThan(0);
      expect(row.sentTotal).toBeGreaterThan(0);
      expect(row.errorsTotal).toBe(0);
      expect(row.okTotal).toBe(row.sentTotal);
    }
    expect(report.metadata.imageCatalog.used).toBe(shared.catalog.kind);
    expect(stdout).toContain('memcached-off');
    expect(stdout).toContain('p99');
    expect(await foreignContainers()).toEqual([]);
  });

  it('tears the stack down and exits 130 on Ctrl-C in the middle of a run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedscale-sigint-'));
    const { child, done } = start(['run', ...SMALL, '--duration', '60', '--out', out]);
    // Wait until the run has containers up, then interrupt it.
    const deadline = Date.now() + 120_000;
    while ((await foreignContainers()).length < 3) {
      if (Date.now() > deadline) throw new Error('the run never started containers');
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    const { code } = await done;
    expect(code).toBe(ExitCode.INTERRUPTED);
    expect(await foreignContainers()).toEqual([]);
    const networks = await docker.listNetworks({ filters: { label: [`${MANAGED_LABEL}=true`] } });
    expect(networks.filter((n) => n.Labels?.[RUN_LABEL] !== shared.runId)).toEqual([]);
  });
});
