import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { describe, expect, inject, it } from 'vitest';
import { RUN_LABEL, SERVICE_LABEL } from '../../containers/docker/labels.ts';
import { ExitCode } from '../../lib/errors.ts';

// Target (issue 11): 0 leftover containers after any fault plan, also when interrupted. The
// feedscale process is interrupted (SIGINT) while its Redis is paused by a fault: the teardown
// must remove the frozen container too.
const BIN = new URL('../../bin/feedscale.js', import.meta.url).pathname;
const shared = inject('stack');
const docker = new Dockerode();

function start(args: string[]): { child: ChildProcess; stderr: () => string; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, FEEDSCALE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, stderr: () => stderr, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr }))) };
}

const runIdsIn = (output: string) => [...new Set([...output.matchAll(/starting stack ([0-9a-f]{8})/g)].map((m) => m[1]!))];

describe('a fault plan interrupted while its fault is on', () => {
  it('exits 130 and leaves no container, not even the paused one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-fault-sigint-'));
    const plan = join(dir, 'long-pause.json');
    writeFileSync(
      plan,
      JSON.stringify({
        name: 'long-pause',
        arrival: { kind: 'constant', rateRps: 20 },
        warmupS: 1,
        durationS: 40,
        mix: { 'feed.read': 0.8, 'media.like': 0.2 },
        timeoutMs: 2000,
        faults: [{ kind: 'pause', atS: 1, target: 'redis', durationS: 30 }],
      }),
    );
    const { child, stderr, done } = start(['run', '--catalog', shared.catalog.kind, '--scale', '0.00005', '--logical-shards', '4', '--plan', plan, '--out', dir]);
    const deadline = Date.now() + 240_000;
    let paused = false;
    while (!paused) {
      const [runId] = runIdsIn(stderr());
      if (runId && /fault pause redis: paused/.test(stderr())) {
        const [redis] = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`, `${SERVICE_LABEL}=redis`] } });
        paused = redis?.State === 'paused';
      }
      if (Date.now() > deadline) throw new Error(`Redis was never paused:\n${stderr().slice(-3000)}`);
      if (!paused) await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    const { code, stderr: log } = await done;
    expect(code, log.slice(-2000)).toBe(ExitCode.INTERRUPTED);
    for (const runId of runIdsIn(log)) {
      expect(await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } })).toEqual([]);
      expect(await docker.listNetworks({ filters: { label: [`${RUN_LABEL}=${runId}`] } })).toEqual([]);
    }
  });
});
