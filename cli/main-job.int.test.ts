import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { RUN_LABEL } from '../containers/docker/labels.ts';
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

/** The run IDs a feedscale process announced ("starting stack <id>"), in JSON or readable log lines. */
function runIdsIn(output: string): string[] {
  return [...new Set([...output.matchAll(/starting stack ([0-9a-f]{8})/g)].map((m) => m[1]!))];
}

async function waitFor(what: string, timeoutMs: number, done: () => Promise<boolean> | boolean, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms:\n${detail().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** PIDs of processes whose command line contains `marker` (a unique output folder). */
function pidsWith(marker: string): number[] {
  const found = spawnSync('pgrep', ['-f', '--', marker], { encoding: 'utf8' });
  return found.stdout.split('\n').filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
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
    // One attempt per repeat: a repeat re-run for an unhealthy generator (a busy machine) starts
    // a stack of its own, and this test counts one stack per configuration.
    const config = join(out, 'run.json');
    writeFileSync(config, JSON.stringify({ maxAttempts: 1 }));
    const { done } = start(['run', '--config', config, ...SMALL, '--out', join(out, 'job')]);
    const { code, stdout, stderr } = await done;
    expect(code, stderr.slice(-2000)).toBe(ExitCode.OK);
    const reportPath = join(out, 'job', 'latest', 'report.json');
    expect(existsSync(reportPath)).toBe(true);
    expect(existsSync(join(out, 'job', 'latest', 'report.md'))).toBe(true);
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

  it('tears the stack down and ends when its terminal is closed in the middle of a run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedscale-hangup-'));
    // script(1) gives the CLI a pseudo-terminal (stdout and stderr are a TTY: readable logs and
    // progress bars); killing script closes the terminal's master side, as closing a terminal
    // window or killing a tmux session does.
    const command = [process.execPath, BIN, 'run', ...SMALL, '--duration', '60', '--out', out].map((a) => `'${a}'`).join(' ');
    const term = spawn('script', ['-q', '-f', '-e', '-c', `exec ${command}`, '/dev/null'], {
      env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'info', CI: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    term.stdout!.on('data', (d) => (screen += d));
    term.stderr!.on('data', (d) => (screen += d));
    await waitFor('the run never started containers', 120_000, async () => {
      const [runId] = runIdsIn(screen);
      return runId !== undefined && (await leftovers([runId])).containers.length >= 3;
    }, () => screen);
    const pids = pidsWith(out);
    expect(pids.length).toBeGreaterThan(0);
    // Readable lines on a terminal, not JSON.
    expect(screen).toMatch(/INFO.*starting stack/);
    expect(screen).not.toMatch(/\{"level":30/);
    term.kill('SIGKILL');
    await waitFor('the run did not end after its terminal closed', 90_000, () => pidsWith(out).length === 0);
    expect(await leftovers(runIdsIn(screen))).toEqual({ containers: [], networks: [] });
  });
});

describe('feedscale up', () => {
  it('stays up after printing the endpoints and removes the stack on a signal', async () => {
    const { child, done } = start(['up', '--catalog', shared.catalog.kind, '--logical-shards', '4', '--instances', '1']);
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    await waitFor('the stack never came up', 180_000, () => stdout.includes('stack is up'), () => stdout);
    const { runId, baseUrl } = JSON.parse(stdout.slice(0, stdout.indexOf('stack is up'))) as { runId: string; baseUrl: string };
    // Still alive, and the stack answers, well after the endpoints were printed.
    await new Promise((r) => setTimeout(r, 3000));
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
    expect((await leftovers([runId])).containers.length).toBeGreaterThan(5);
    child.kill('SIGTERM');
    const { code } = await done;
    expect(code).toBe(ExitCode.INTERRUPTED);
    expect(await leftovers([runId])).toEqual({ containers: [], networks: [] });
  });
});
