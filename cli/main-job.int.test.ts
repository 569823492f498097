import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { RUN_LABEL } from '../containers/services/service-context.ts';
import { ExitCode } from '../lib/errors.ts';
import type { Report } from '../reports/report-schema.ts';

const BIN = new URL('../bin/feedscale.js', import.meta.url).pathname;
const shared = inject('stack');
const docker = new Dockerode();

function start(args: string[]): { child: ChildProcess; stderr: () => string; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, stderr: () => stderr, done };
}

/** The run IDs a feedscale process announced on stderr ("starting stack <id>"). */
function runIdsIn(stderr: string): string[] {
  return [...stderr.matchAll(/"runId":"([0-9a-f]+)"[^\n]*starting stack/g)].map((m) => m[1]!);
}

/** Containers and networks of the given runs (other feedscale runs on this engine are not ours to judge). */
async function leftovers(runIds: readonly string[]) {
  const label = runIds.map((id) => `${RUN_LABEL}=${id}`);
  const containers = (await Promise.all(label.map((l) => docker.listContainers({ all: true, filters: { label: [l] } })))).flat();
  const networks = (await Promise.all(label.map((l) => docker.listNetworks({ filters: { label: [l] } })))).flat();
  return { containers, networks };
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
    const runIds = runIdsIn(stderr);
    expect(runIds).toHaveLength(2);
    expect(await leftovers(runIds)).toEqual({ containers: [], networks: [] });
  });

  it('tears the stack down and exits 130 on Ctrl-C in the middle of a run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedscale-sigint-'));
    const { child, stderr, done } = start(['run', ...SMALL, '--duration', '60', '--out', out]);
    // Wait until the run has announced its stack and has containers up, then interrupt it.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [runId] = runIdsIn(stderr());
      if (runId && (await leftovers([runId])).containers.length >= 3) break;
      if (Date.now() > deadline) throw new Error(`the run never started containers:\n${stderr().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    const { code, stderr: log } = await done;
    expect(code).toBe(ExitCode.INTERRUPTED);
    expect(await leftovers(runIdsIn(log))).toEqual({ containers: [], networks: [] });
  });
});
