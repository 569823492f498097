import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Dockerode from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { sweepRun } from '../../containers/docker/cleanup.ts';
import { RUN_LABEL, SERVICE_LABEL, containerName, runLabels } from '../../containers/docker/labels.ts';
import { newRunId } from '../../containers/stack.ts';
import { CLINIC_DEST } from '../../containers/services/app-service.ts';
import { createLogger } from '../../lib/logger.ts';
import type { ProfileTool } from '../../lib/profile-schema.ts';
import { collectProfile } from './collect-profile.ts';
import { retryOnPortClash } from '../../containers/testcontainers/start-service.ts';
import { ExitCode } from '../../lib/errors.ts';
import type { Report } from '../../reports/report-schema.ts';
import { dumpDom, pngSize, screenshot } from '../../test/chromium.ts';

/**
 * `feedscale run --profile flame` end to end, through the CLI: a short run of one configuration
 * whose app-0 runs under clinic flame; clinic's page must be in the job folder beside the run's
 * result, linked from report.html and report.md, and render in headless chromium (clinic's page
 * draws its flame graph with its own bundled script, hence a virtual-time budget). The last
 * screenshot is kept at out/screenshots/clinic-flame.png for people to look at.
 */
const BIN = fileURLToPath(new URL('../../bin/feedscale.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const shared = inject('stack');
const SMALL = ['--catalog', shared.catalog.kind, '--plan', 'feed-read', '--scale', '0.0001', '--rate', '40', '--duration', '4', '--warmup', '1', '--logical-shards', '4'];
const docker = new Dockerode();

function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, stderr: () => stderr, done };
}

const runCli = (args: string[]) => startCli(args).done;

const runIdsIn = (log: string) => [...new Set([...log.matchAll(/starting stack ([0-9a-f]{8})/g)].map((m) => m[1]!))];

/** A job of one configuration and one attempt: a busy machine must not turn a short test into three runs. */
function oneConfiguration(out: string): string {
  const config = join(out, 'run.json');
  writeFileSync(config, JSON.stringify({ configurations: [{ name: 'profiled', description: 'app-0 under clinic flame' }], maxAttempts: 1 }));
  return config;
}

async function leftovers(runIds: readonly string[]) {
  const containers = (await Promise.all(runIds.map((id) => docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${id}`] } })))).flat();
  const networks = (await Promise.all(runIds.map((id) => docker.listNetworks({ filters: { label: [`${RUN_LABEL}=${id}`] } })))).flat();
  return { containers: containers.length, networks: networks.length };
}

describe('feedscale run --profile', () => {
  it('leaves a clinic flame page per run in the job folder, linked from report.html and report.md, that renders in chromium', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedscale-profile-'));
    const { code, stderr } = await runCli(['run', '--config', oneConfiguration(out), ...SMALL, '--profile', 'flame', '--out', out]);
    expect(code, stderr.slice(-3000)).toBe(ExitCode.OK);

    const job = join(out, 'latest');
    const report = JSON.parse(readFileSync(join(job, 'report.json'), 'utf8')) as Report;
    expect(report.runs).toHaveLength(1);
    const profile = report.runs[0]!.profile!;
    expect(profile, 'the run records its profile').toBeDefined();
    expect(profile).toMatchObject({ tool: 'flame', instance: 'app-0', dir: 'runs/feed-read/profiled.r0.clinic' });
    expect(profile.problem, profile.problem).toBeUndefined();
    expect(profile.htmlPath).toMatch(/^runs\/feed-read\/profiled\.r0\.clinic\/\d+\.clinic-flame\.html$/);
    const htmlPath = join(job, profile.htmlPath!);
    expect(statSync(htmlPath).size).toBeGreaterThan(100_000);
    expect(existsSync(join(job, 'runs', 'feed-read', 'profiled.r0.json'))).toBe(true);
    // The profiled instance against the unprofiled one, and flame's frames, sampled from a real process.
    expect(profile.overhead?.others.instances).toEqual(['app-1']);
    expect(profile.overhead!.profiled.requests).toBeGreaterThan(0);
    expect(profile.frames!.busySamples).toBeGreaterThan(0);
    expect(profile.frames!.hottest.length).toBeGreaterThan(0);

    const reportHtml = readFileSync(join(job, 'report.html'), 'utf8');
    expect(reportHtml).toContain(`<a href="${profile.htmlPath}">`);
    expect(reportHtml).toMatch(/profiled · repeat 1/);
    expect(readFileSync(join(job, 'report.md'), 'utf8')).toContain(`](${profile.htmlPath})`);

    // clinic's page draws the flame graph into a canvas it sizes, and fills the info box with the hottest frame.
    const dom = dumpDom(`file://${htmlPath}`, out, 15_000);
    expect(dom.status, dom.stderr.slice(-2000)).toBe(0);
    expect(dom.stdout).toMatch(/<canvas width="\d+" height="\d+" class="partition d3-flame-graph"/);
    expect(dom.stdout).toMatch(/Top of stack:\s*[\d.]+%/);
    const png = join(out, 'clinic-flame.png');
    const shot = screenshot(`file://${htmlPath}`, png, out, { width: 1280, height: 900 }, 15_000);
    expect(shot.error, shot.stderr.slice(-2000)).toBeUndefined();
    const bytes = readFileSync(png);
    expect(pngSize(bytes)).toEqual({ width: 1280, height: 900 });
    // A blank page compresses to a few KB; a drawn flame graph is far larger.
    expect(bytes.length).toBeGreaterThan(40_000);
    await mkdir(join(REPO_ROOT, 'out', 'screenshots'), { recursive: true });
    await copyFile(png, join(REPO_ROOT, 'out', 'screenshots', 'clinic-flame.png'));

    const runIds = runIdsIn(stderr);
    expect(runIds).toHaveLength(1);
    expect(await leftovers(runIds)).toEqual({ containers: 0, networks: 0 });
  });

  it('tears everything down and exits 130 on Ctrl-C while clinic is analysing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedscale-profile-sigint-'));
    const { child, stderr, done } = startCli(['run', '--config', oneConfiguration(out), ...SMALL, '--profile', 'flame', '--out', out]);
    const deadline = Date.now() + 240_000;
    while (!stderr().includes('waiting for clinic flame')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the run never reached clinic's analysis:\n${stderr().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const { code, stderr: log } = await done;
    expect(code, log.slice(-2000)).toBe(ExitCode.INTERRUPTED);
    expect(await leftovers(runIdsIn(log))).toEqual({ containers: 0, networks: 0 });
  });

  // doctor and bubbleprof through the same collection, on a small server in the app image
  // itself (no stack needed): each must write a page that renders.
  // What each page's own script draws (checked outside the scripts' text): doctor's charts, bubbleprof's bubbles.
  const PAGE_CHECKS: Record<Exclude<ProfileTool, 'flame'>, RegExp> = {
    doctor: /<svg[^>]*class="chart"[^>]*>[\s\S]*?<path[^>]*class="line/,
    bubbleprof: /<g class="node-group/,
  };
  it.each(Object.keys(PAGE_CHECKS) as Array<keyof typeof PAGE_CHECKS>)('clinic %s in the app image writes a page that is collected and renders', async (tool) => {
    const runId = newRunId();
    const out = mkdtempSync(join(tmpdir(), `feedscale-clinic-${tool}-`));
    // Ends on SIGINT as the app does (system/app/server.ts): bubbleprof's injected code keeps a process without a handler alive.
    const server = "process.on('SIGINT', () => process.exit(0)); require('http').createServer((q, r) => { let x = 0; for (let i = 0; i < 1e5; i++) x += i; setTimeout(() => r.end(String(x)), 1); }).listen(8080)";
    try {
      // Docker's random host port can clash with a connection's port: retried as the stack's starts are.
      const container = await retryOnPortClash(
        async () => {
          const created = await docker.createContainer({
            name: containerName(runId, 'app-0'),
            Image: shared.catalog.images.app,
            Labels: { ...runLabels(runId), [SERVICE_LABEL]: 'app-0' },
            Cmd: ['sh', '-c', `cd /tmp && exec clinic ${tool} --open=false --dest ${CLINIC_DEST} -- node -e "${server}"`],
            ExposedPorts: { '8080/tcp': {} },
            HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
          });
          await created.start();
          return created;
        },
        () => docker.getContainer(containerName(runId, 'app-0')).remove({ force: true }).then(() => undefined, () => undefined),
      );
      const port = (await container.inspect()).NetworkSettings.Ports['8080/tcp']![0]!.HostPort;
      const deadline = Date.now() + 60_000;
      for (let served = 0; served < 300; ) {
        const ok = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text().then(() => r.ok), () => false);
        if (ok) served += 1;
        else if (Date.now() > deadline) throw new Error(`the server under clinic ${tool} never answered`);
        else await new Promise((r) => setTimeout(r, 200));
      }
      const profile = await collectProfile({
        docker,
        runId,
        tool,
        jobDir: out,
        dir: `runs/probe/${tool}.r0.clinic`,
        server: undefined,
        signal: new AbortController().signal,
        log: createLogger({ level: 'warn' }),
      });
      expect(profile.problem, profile.problem).toBeUndefined();
      expect(profile.htmlPath).toMatch(new RegExp(`^runs/probe/${tool}\\.r0\\.clinic/\\d+\\.clinic-${tool}\\.html$`));
      const page = join(out, profile.htmlPath!);
      const dom = dumpDom(`file://${page}`, out, 15_000);
      expect(dom.status, dom.stderr.slice(-2000)).toBe(0);
      expect(dom.stdout.replace(/<script[\s\S]*?<\/script>/g, '')).toMatch(PAGE_CHECKS[tool]);
      const png = join(out, `${tool}.png`);
      const shot = screenshot(`file://${page}`, png, out, { width: 1280, height: 900 }, 15_000);
      expect(shot.error, shot.stderr.slice(-2000)).toBeUndefined();
      expect(readFileSync(png).length).toBeGreaterThan(30_000);
    } finally {
      await sweepRun(docker, runId);
    }
  });
});
