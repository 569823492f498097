import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import { loadPlan } from '../plans/load-plan.ts';
import { buildK6Summary } from '../k6/lib/k6-summary-fixture.ts';
import { summaryToRunResult, thresholdOutcomes } from '../k6/lib/summary-to-result.ts';
import type { Population } from '../workload/population-schema.ts';
import { K6_IMAGE, checkRunResult, findOnPath, resolveK6Script, runK6 } from './k6-runner.ts';

const population: Population = {
  userIds: ['1000001', '1000002', '1000003'],
  mediaIds: ['2000001', '2000002'],
  hotMediaIds: ['2000002'],
  celebrityUserIds: ['1000003'],
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'k6-runner-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('runK6 without k6', () => {
  it('throws RUN_ERR_DRIVER_UNAVAILABLE naming k6, grafana/k6 and autocannon when no binary is on PATH and the image cannot be pulled', async () => {
    // A real pull attempt against the local Docker engine: this machine reaches no registry.
    const err = await rejection(
      runK6({ baseUrl: 'http://127.0.0.1:9', plan: 'feed-read', population, seed: 1, outPath: join(dir, 'r.json'), searchPath: join(dir, 'empty-bin'), pullTimeoutMs: 60_000 }),
    );
    expect(isFeedscaleError(err) && err.code).toBe('RUN_ERR_DRIVER_UNAVAILABLE');
    const message = (err as Error).message;
    expect(message).toMatch(/\bk6\b.*PATH/);
    expect(message).toContain(K6_IMAGE);
    expect(message).toMatch(/grafana\/k6/);
    expect(message).toMatch(/autocannon/);
    expect((err as { exitCode: number }).exitCode).toBe(7);
  }, 90_000);

  it('says the Docker fallback is disabled when it is', async () => {
    const err = await rejection(
      runK6({ baseUrl: 'http://127.0.0.1:9', plan: 'feed-read', population, seed: 1, outPath: join(dir, 'r.json'), searchPath: '', docker: false }),
    );
    expect(isFeedscaleError(err) && err.code).toBe('RUN_ERR_DRIVER_UNAVAILABLE');
    expect((err as Error).message).toMatch(/fallback is disabled/);
  });

  it('refuses a non-loopback target before looking for k6', async () => {
    const err = await rejection(
      runK6({ baseUrl: 'http://10.1.2.3:80', plan: 'feed-read', population, seed: 1, outPath: join(dir, 'r.json'), docker: false }),
    );
    expect(isFeedscaleError(err) && err.code).toBe('CFG_ERR_INVALID');
  });
});

/** A RunResult and its threshold outcomes, from a documented-shape k6 summary of a feed-read run. */
async function fixtureResult(failing: boolean) {
  const plan = await loadPlan('feed-read');
  const data = buildK6Summary({
    testRunDurationMs: 25_000,
    endpoints: [
      { endpoint: 'feed.read', sent: 3000, ok: 3000, p50Ms: 2, p90Ms: 5, p99Ms: failing ? 400 : 20, p999Ms: 30, minMs: 1, maxMs: 500, avgMs: 3, thresholds: { 'p(99)<250': !failing } },
    ],
  });
  const result = summaryToRunResult(data, { plan, seed: 5, configuration: 'k6', repeat: 0, nowMs: Date.parse('2025-01-01T00:00:25Z') });
  return { result, outcomes: thresholdOutcomes(data) };
}

describe('runK6 with a k6 on PATH', () => {
  /**
   * A stand-in `k6` executable (there is no real one here): it records its arguments and
   * environment, writes the files a script's handleSummary would write, prints a summary and
   * exits with the code given. It exercises the runner's side of the contract only.
   */
  async function fakeK6(exitCode: number, resultJson: string, thresholdsJson: string): Promise<string> {
    const bin = join(dir, 'bin');
    await writeFile(join(dir, 'result.fixture.json'), resultJson);
    await writeFile(join(dir, 'thresholds.fixture.json'), thresholdsJson);
    await mkdir(bin);
    const script = [
      '#!/bin/sh',
      `printf '%s\\n' "$@" > "${dir}/args.txt"`,
      `env | grep -E '^(BASE_URL|FEEDSCALE_|K6_)' | sort > "${dir}/env.txt"`,
      `cp "$FEEDSCALE_PLAN" "${dir}/plan-seen.json"`,
      `cp "${dir}/result.fixture.json" "$FEEDSCALE_OUT"`,
      `cp "${dir}/thresholds.fixture.json" "$FEEDSCALE_THRESHOLDS_OUT"`,
      'echo "text summary"',
      `exit ${exitCode}`,
    ].join('\n');
    await writeFile(join(bin, 'k6'), `${script}\n`);
    await chmod(join(bin, 'k6'), 0o755);
    return bin;
  }

  it('returns the result with its threshold outcomes when k6 exits 99 (thresholds crossed)', async () => {
    const { result, outcomes } = await fixtureResult(true);
    const bin = await fakeK6(99, JSON.stringify(result), JSON.stringify({ outcomes, notes: ['a note'] }));
    const outPath = join(dir, 'out', 'feed-read.json');
    const run = await runK6({ baseUrl: 'http://127.0.0.1:8080', plan: 'feed-read', population, seed: 77, runSeed: 5, outPath, searchPath: bin, docker: false });

    expect(run).toMatchObject({ via: 'binary', exitCode: 99, thresholdsPassed: false, notes: ['a note'], stdout: 'text summary\n' });
    expect(run.result).toEqual(result);
    expect(run.thresholds.find((t) => t.metric === 'feedscale_latency_feed_read')).toEqual({ metric: 'feedscale_latency_feed_read', threshold: 'p(99)<250', ok: false });
    expect(JSON.parse(await readFile(outPath, 'utf8'))).toEqual(result);

    const args = (await readFile(join(dir, 'args.txt'), 'utf8')).trim().split('\n');
    expect(args).toEqual(['run', '--quiet', '--no-usage-report', resolveK6Script()]);
    const env = await readFile(join(dir, 'env.txt'), 'utf8');
    expect(env).toMatch(/^BASE_URL=http:\/\/127\.0\.0\.1:8080$/m);
    expect(env).toMatch(/^FEEDSCALE_SEED=77$/m);
    expect(env).toMatch(/^FEEDSCALE_RESULT_SEED=5$/m);
    expect(env).toMatch(/^K6_NO_USAGE_REPORT=true$/m);
    // k6 gets the plan with every default filled, as validatePlan gives it.
    expect(JSON.parse(await readFile(join(dir, 'plan-seen.json'), 'utf8'))).toEqual(await loadPlan('feed-read'));
  });

  it('treats any other non-zero exit as a crash', async () => {
    const { result, outcomes } = await fixtureResult(false);
    const bin = await fakeK6(107, JSON.stringify(result), JSON.stringify({ outcomes, notes: [] }));
    const err = await rejection(
      runK6({ baseUrl: 'http://127.0.0.1:8080', plan: 'feed-read', population, seed: 1, outPath: join(dir, 'r.json'), searchPath: bin, docker: false }),
    );
    expect((err as Error).message).toMatch(/k6 exited with code 107/);
  });

  it('rejects a result that breaks RunResultSchema, listing the issues', async () => {
    const { result, outcomes } = await fixtureResult(false);
    const bin = await fakeK6(0, JSON.stringify({ ...result, driver: 'jmeter' }), JSON.stringify({ outcomes, notes: [] }));
    const err = await rejection(
      runK6({ baseUrl: 'http://127.0.0.1:8080', plan: 'feed-read', population, seed: 1, outPath: join(dir, 'r.json'), searchPath: bin, docker: false }),
    );
    expect((err as Error).message).toMatch(/RunResultSchema[\s\S]*\/driver/);
  });
});

describe('helpers', () => {
  it('finds an executable on a PATH and ignores missing directories', async () => {
    await writeFile(join(dir, 'k6'), '#!/bin/sh\n');
    await chmod(join(dir, 'k6'), 0o755);
    expect(findOnPath('k6', ['/nonexistent', dir].join(':'))).toBe(join(dir, 'k6'));
    expect(findOnPath('k6', '/nonexistent')).toBeUndefined();
  });

  it('resolves the generic script by default and refuses files outside scenarios/k6', () => {
    expect(resolveK6Script()).toMatch(/scenarios\/k6\/plan\.k6\.ts$/);
    expect(() => resolveK6Script('/etc/passwd')).toThrow(/under/);
    expect(() => resolveK6Script('no-such-plan')).toThrow(/cannot be read/);
  });

  it('accepts what the summary converter produces', async () => {
    const { result } = await fixtureResult(false);
    expect(checkRunResult(JSON.parse(JSON.stringify(result)), 'fixture')).toEqual(result);
  });
});
