import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../reports/build-report.ts';
import { showcaseInput } from '../reports/testing/run-fixtures.ts';
import { readFinishedRuns, slotKey, writeRunResult } from './job-folder.ts';
import { isSettled } from './main-job.ts';

describe('the job folder', () => {
  it('gives back every run written to it, by plan, configuration and repeat', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-job-'));
    const runs = buildReport(showcaseInput()).runs.slice(0, 3);
    for (const run of runs) await writeRunResult(dir, 'feed-read', run);
    const done = await readFinishedRuns(dir);
    expect([...done.keys()].sort()).toEqual(runs.map((r) => slotKey('feed-read', r.configuration, r.repeat)).sort());
    expect(done.get(slotKey('feed-read', runs[0]!.configuration, runs[0]!.repeat))).toEqual([runs[0]]);
  });

  it('keeps every attempt of a repeat, in order, under the repeat', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-job-'));
    const [first] = buildReport(showcaseInput()).runs;
    const unhealthy = { ...first!, attempt: 0, generator: { ...first!.generator, valid: false, reasons: ['send lag p99 40 ms > 10 ms'] } };
    const rerun = { ...first!, attempt: 1 };
    await writeRunResult(dir, 'feed-read', rerun);
    await writeRunResult(dir, 'feed-read', unhealthy);
    const attempts = (await readFinishedRuns(dir)).get(slotKey('feed-read', first!.configuration, first!.repeat));
    expect(attempts?.map((a) => a.attempt)).toEqual([0, 1]);
    expect(isSettled(attempts!.slice(0, 1), 3)).toBe(false);
    expect(isSettled(attempts!, 3)).toBe(true);
    expect(isSettled([unhealthy, unhealthy, unhealthy], 3)).toBe(true);
  });

  it('ignores a result cut short by a crash, so that run is done again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-job-'));
    mkdirSync(join(dir, 'runs', 'feed-read'), { recursive: true });
    writeFileSync(join(dir, 'runs', 'feed-read', 'memcached-on.r0.json'), '{"schemaVersion":1,"configur');
    writeFileSync(join(dir, 'runs', 'feed-read', 'memcached-on.r1.json'), '{"schemaVersion":1}');
    expect((await readFinishedRuns(dir)).size).toBe(0);
  });

  it('finds nothing in a folder without runs', async () => {
    expect((await readFinishedRuns(mkdtempSync(join(tmpdir(), 'feedscale-job-')))).size).toBe(0);
  });
});
