import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { ExitCode } from '../lib/errors.ts';
import { registerExperimentCommands } from './experiment.ts';
import type { RedisMapResult } from '../experiments/redis-map.ts';

// `feedscale experiment redis-map` against the shared stack's Redis, in database 9 only: the
// stack's own data (database 0) must come through untouched.
const stack = inject('stack');
const DB = 9;
const PAIRS = 20_000;
let redis: Redis;
let dir: string;
const sentinelKey = `redis-map-int:sentinel:${Date.now().toString(36)}`;

beforeAll(async () => {
  redis = new Redis(stack.redisUrl);
  await redis.set(sentinelKey, 'keep me');
  dir = mkdtempSync(join(tmpdir(), 'feedscale-redis-map-'));
});

afterAll(async () => {
  await redis.del(sentinelKey);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function runCli(args: string[]): Promise<number> {
  const program = new Command('feedscale').exitOverride();
  let exitCode: number = ExitCode.CRASH;
  registerExperimentCommands(program, createLogger('warn'), (code) => (exitCode = code));
  await program.parseAsync(['node', 'feedscale', ...args]);
  return exitCode;
}

describe('feedscale experiment redis-map', () => {
  it('measures plain keys and dense 1000-field buckets, and the buckets take a fraction of the memory', async () => {
    const configName = Number(((await redis.config('GET', 'hash-max-listpack-entries')) as string[]).length) === 2 ? 'hash-max-listpack-entries' : 'hash-max-ziplist-entries';
    const configBefore = (await redis.config('GET', configName)) as string[];
    const out = join(dir, 'result.json');
    const exitCode = await runCli(['experiment', 'redis-map', '--pairs', String(PAIRS), '--db', String(DB), '--redis-url', stack.redisUrl, '--out', out]);
    expect(exitCode).toBe(ExitCode.OK);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RedisMapResult;

    expect(result.rows.map((r) => `${r.layout}/${r.form}`)).toEqual(['dense/plain-set', 'dense/bucketed-hash', 'sparse/plain-set', 'sparse/bucketed-hash']);
    const row = (layout: string, form: string) => result.rows.find((r) => r.layout === layout && r.form === form)!;
    expect(row('dense', 'plain-set').keys).toBe(PAIRS);
    // Media 1..20000 fall into buckets 0..20.
    expect(row('dense', 'bucketed-hash').keys).toBe(21);
    expect(row('dense', 'bucketed-hash').encoding).toMatch(/^(listpack|ziplist)$/);
    expect(row('sparse', 'bucketed-hash').keys).toBe(PAIRS);
    expect(result.hashMaxEntries.value).toBeGreaterThanOrEqual(1000);

    // The 2011 claim's shape: a plain key costs tens of bytes, a bucketed pair a fraction of it.
    const plain = row('dense', 'plain-set').bytesPerPair;
    const hash = row('dense', 'bucketed-hash').bytesPerPair;
    expect(plain).toBeGreaterThan(40);
    expect(plain).toBeLessThan(200);
    expect(hash).toBeGreaterThan(5);
    expect(hash / plain).toBeLessThan(0.5);
    // Sparse IDs defeat the bucketing: one field per hash costs more than a plain key.
    expect(row('sparse', 'bucketed-hash').bytesPerPair).toBeGreaterThan(row('sparse', 'plain-set').bytesPerPair);

    // The experiment's database is empty again, the stack's data is intact, the config restored.
    const db9 = new Redis(stack.redisUrl, { db: DB });
    expect(await db9.dbsize()).toBe(0);
    db9.disconnect();
    expect(await redis.get(sentinelKey)).toBe('keep me');
    expect(await redis.config('GET', configName)).toEqual(configBefore);
  });

  it('refuses a Redis that is not on this machine before connecting anywhere', async () => {
    const exitCode = await runCli(['experiment', 'redis-map', '--pairs', '10', '--redis-url', 'redis://192.0.2.1:6379']);
    expect(exitCode).toBe(ExitCode.BAD_INPUT);
  });
});
