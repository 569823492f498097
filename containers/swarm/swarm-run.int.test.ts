import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { RUN_LABEL } from '../docker/labels.ts';

const BIN = new URL('../../bin/feedscale.js', import.meta.url).pathname;
const shared = inject('stack');
const docker = new Dockerode();

function feedscale(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function swarmState(): Promise<string> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
  return info.Swarm?.LocalNodeState ?? 'unknown';
}

/** Everything of the given runs: Swarm services, configs and secrets (when in swarm mode), containers, networks. */
async function leftovers(runIds: readonly string[]) {
  const all = async <T>(list: (filters: { label: string[] }) => Promise<T[]>) =>
    (await Promise.all(runIds.map((id) => list({ label: [`${RUN_LABEL}=${id}`] }).catch(() => [] as T[])))).flat();
  return {
    services: await all((filters) => docker.listServices({ filters })),
    configs: await all((filters) => docker.listConfigs({ filters })),
    secrets: await all((filters) => docker.listSecrets({ filters })),
    containers: await all((filters) => docker.listContainers({ all: true, filters })),
    networks: await all((filters) => docker.listNetworks({ filters })),
  };
}

describe('feedscale run --engine swarm', () => {
  it('runs the main job on a swarm it initialises, reports as Testcontainers runs do, and leaves nothing of its own', async () => {
    const before = await swarmState();
    const out = mkdtempSync(join(tmpdir(), 'feedscale-swarm-'));
    // One attempt per repeat: on a busy 2-core machine the generator is often judged unhealthy,
    // and each re-run is another stack deployed; this test is about the engine, not the verdict.
    const config = join(out, 'run.json');
    writeFileSync(config, JSON.stringify({ maxAttempts: 1 }));
    const args = ['run', '--config', config, '--engine', 'swarm', '--catalog', shared.catalog.kind, '--scale', '0.0001', '--rate', '40', '--duration', '3', '--warmup', '1', '--logical-shards', '4', '--out', out];
    const { code, stdout, stderr } = await feedscale(args);
    expect(code, stderr.slice(-3000)).toBe(0);

    const report = JSON.parse(readFileSync(join(out, 'latest', 'report.json'), 'utf8')) as {
      summary: Array<{ endpoint: string; configuration: string; sentTotal: number; okTotal: number; errorsTotal: number }>;
      runs: Array<{ server?: { containers: Array<{ service: string }>; nginx: { available: boolean } } }>;
    };
    expect(existsSync(join(out, 'latest', 'report.md'))).toBe(true);
    const rows = report.summary.filter((r) => r.endpoint === 'feed.read');
    expect(rows.map((r) => r.configuration)).toEqual(['memcached-on', 'memcached-off']);
    for (const row of rows) {
      expect(row.sentTotal).toBeGreaterThan(0);
      expect(row.errorsTotal).toBe(0);
    }
    // The collectors found the Swarm task containers by their labels, as they find Testcontainers'.
    const services = new Set(report.runs.flatMap((r) => r.server?.containers.map((c) => c.service) ?? []));
    expect([...services]).toEqual(expect.arrayContaining(['nginx', 'app-0', 'pgbouncer-0', 'redis']));
    expect(report.runs.every((r) => r.server?.nginx.available)).toBe(true);
    expect(stdout).toContain('memcached-off');

    const runIds = [...new Set([...stderr.matchAll(/starting stack ([0-9a-f]{8})/g)].map((m) => m[1]!))];
    expect(runIds.length).toBeGreaterThanOrEqual(2);
    expect(stderr).toMatch(/swarm stack feedscale-[0-9a-f]{8} ready/);
    expect(await leftovers(runIds)).toEqual({ services: [], configs: [], secrets: [], containers: [], networks: [] });
    // Swarm mode as it was found: initialised for the run and left again, or kept.
    expect(await swarmState()).toBe(before);
  }, 900_000);
});
