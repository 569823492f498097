import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { registerFormats } from '../../lib/formats.ts';
import { RunResultSchema } from '../../lib/result-schema.ts';
import { runGeneratorPool, sumProgress } from './generator-pool.ts';
import type { RequestSpec } from './request-source.ts';
import { toRunResult } from './run-result.ts';
import { startTestServer } from './test-server.ts';

/** Request i has path /r/i, so the server can tell which requests it got. */
const SPECS: RequestSpec[] = Array.from({ length: 2000 }, (_, i) => ({ endpoint: i % 2 === 0 ? 'even' : 'odd', method: 'GET', path: `/r/${i}` }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runGeneratorPool', () => {
  it('splits one schedule over 2 processes: every request sent exactly once, counts and histograms merged', async () => {
    const received: number[] = [];
    let firstAtMs: number | undefined;
    let originMs: number | undefined;
    await using server = await startTestServer((req, res) => {
      firstAtMs ??= performance.now();
      received.push(Number(req.url!.split('/')[2]));
      setTimeout(() => res.end('ok'), 2);
    });
    const run = await runGeneratorPool({
      generators: 2,
      baseUrl: server.url,
      source: { kind: 'cyclic', specs: SPECS },
      arrival: { kind: 'constant', rateRps: 300 },
      durationS: 2,
      warmupS: 0.5,
      // Far above what 300 rps needs, so that a stalled machine cannot turn a start into unserved.
      maxInFlight: 2000,
      timeoutMs: 5000,
      onStart: (t0Ms) => (originMs ??= t0Ms),
    });
    // Request 0 is due at the common t = 0 that onStart announced (on this process's clock).
    expect(firstAtMs! - originMs!).toBeGreaterThan(-1);
    // 0.5 s + 2 s at 300 rps: requests 0..749, each once, whichever generator sent it.
    expect(received.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 750 }, (_, i) => i));
    // With 2 generators and paths alternating, generator 0 sent the even requests and 1 the odd ones.
    expect(run.endpoints.map((e) => [e.endpoint, e.intended, e.sent, e.ok])).toEqual([
      ['even', 300, 300, 300],
      ['odd', 300, 300, 300],
    ]);
    expect(run.endpoints.every((e) => e.fromIntended.percentiles.count === 300 && e.fromIntended.histogram !== '')).toBe(true);
    expect(run.generator.intendedRateRps).toBe(300);
    expect(run.generators).toHaveLength(2);
    const pids = run.generators!.map((g) => g.pid!);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(process.pid);
    expect(run.generators!.map((g) => g.health.intendedRateRps)).toEqual([150, 150]);
    expect(run.generator.valid).toBe(run.generators!.every((g) => g.health.valid) && run.generator.reasons.length === 0);
    registerFormats();
    expect(Value.Check(RunResultSchema, toRunResult(run, { configuration: 't', plan: 'p', repeat: 0, seed: 1, startedAt: new Date(0).toISOString() }))).toBe(true);
    expect(pids.some(alive)).toBe(false);
  }, 60_000);

  it('stops every generator when aborted and rejects with RUN_ERR_INTERRUPTED', async () => {
    await using server = await startTestServer((_req, res) => res.end('ok'));
    const abort = new AbortController();
    let sent = 0;
    const run = runGeneratorPool({
      generators: 2,
      baseUrl: server.url,
      source: { kind: 'cyclic', specs: SPECS },
      arrival: { kind: 'constant', rateRps: 100 },
      durationS: 30,
      warmupS: 0,
      maxInFlight: 10,
      timeoutMs: 1000,
      signal: abort.signal,
      onProgress: (p) => {
        sent = p.sent;
        abort.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'RUN_ERR_INTERRUPTED' });
    expect(sent).toBeGreaterThan(0);
    const after = server.received;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.received).toBe(after);
  }, 60_000);

  it('refuses a pool it cannot run, naming the option', async () => {
    const base = { baseUrl: 'http://127.0.0.1:9', source: { kind: 'cyclic', specs: SPECS } as const, arrival: { kind: 'constant', rateRps: 10 } as const, durationS: 1, warmupS: 0, timeoutMs: 100 };
    await expect(runGeneratorPool({ ...base, generators: 0, maxInFlight: 10 })).rejects.toThrow(/generators must be an integer from 1 to 64 \(got 0\)/);
    await expect(runGeneratorPool({ ...base, generators: 4, maxInFlight: 3 })).rejects.toThrow(/maxInFlight must be an integer >= generators \(4\)/);
    await expect(runGeneratorPool({ ...base, baseUrl: 'http://example.com', generators: 2, maxInFlight: 10 })).rejects.toMatchObject({ code: 'CFG_ERR_INVALID' });
  });
});

describe('sumProgress', () => {
  it('adds the generators\' counts and reports the earliest phase any is in', () => {
    const p = { elapsedS: 1, phase: 'measure' as const, sent: 10, completed: 9, failed: 0, unserved: 1, inFlight: 1, followUps: 0 };
    expect(sumProgress([p, { ...p, phase: 'warmup', elapsedS: 0.9 }, undefined])).toEqual({ ...p, phase: 'warmup', sent: 20, completed: 18, unserved: 2, inFlight: 2 });
  });
});
