import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../reports/build-report.ts';
import { showcaseInput } from '../reports/testing/run-fixtures.ts';
import { readFinishedRuns, writeRunResult } from './job-folder.ts';

describe('the job folder', () => {
  it('gives back every run written to it, by plan, configuration and repeat', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedscale-job-'));
    const runs = buildReport(showcaseInput()).runs.slice(0, 3);
    for (const run of runs) await writeRunResult(dir, 'feed-read', run);
    const done = await readFinishedRuns(dir);
    expect([...done.keys()].sort()).toEqual(runs.map((r) => `feed-read/${r.configuration}.r${r.repeat}.json`).sort());
    expect(done.get(`feed-read/${runs[0]!.configuration}.r${runs[0]!.repeat}.json`)).toEqual(runs[0]);
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
