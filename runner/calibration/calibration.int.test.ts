import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { listIssues } from '../../lib/validate.ts';
import { validatePlan, type Plan } from '../../scenarios/plans/plan-schema.ts';
import { CalibrationSchema } from '../../simulator/calibration/calibration-schema.ts';
import { replayRun } from '../../simulator/calibration/calibration-input.ts';
import { compareRuns } from '../../simulator/calibration/leave-one-out.ts';
import { tierCostS } from '../../simulator/reference-stack/build-stack-model.ts';
import { readFinishedRuns } from '../job-folder.ts';
import { loadRunConfig, type RunConfig } from '../run-config.ts';
import { calibrationPlan } from './calibrate-job.ts';
import { measuredRunsOfJob, writeJobCalibration } from './job-calibration.ts';
import { runManifestJob } from '../run-manifest-job.ts';

const shared = inject('stack');

describe('calibration on the real stack', () => {
  it('calibrates from a short stepped run: a schema-valid calibration.json that predicts the same run within a loose bound', async () => {
    const out = mkdtempSync(join(tmpdir(), 'feedscale-calibration-'));
    const { run, configurations } = loadRunConfig({
      outDir: out,
      repeats: 1,
      maxAttempts: 1,
      stack: { catalog: shared.catalog.kind, logicalShards: 16 },
      configurations: [{ name: 'cal-1-shard-memcached', stack: { physicalShards: 1, cache: 'memcached' } }],
    });
    const base = validatePlan({ name: 'feed-read', arrival: { kind: 'constant', rateRps: 30 }, durationS: 10, mix: { 'feed.read': 1 } }) as Plan;
    const plan = calibrationPlan(base, { ratesRps: [30, 90], stepS: 5, warmupS: 2 }) as Plan;
    const manifest = { run: run as RunConfig, configurations: [...configurations], plans: [plan] };
    const { job, hostCpu } = await runManifestJob(manifest, { log: createLogger('silent'), feedscaleVersion: 'test' });
    // Every job writes calibration.json as a by-product, and its report has the model section.
    expect(existsSync(join(job.outDir, 'calibration.json'))).toBe(true);
    const model = job.reports[0]!.report.model;
    expect(model?.rows.length).toBeGreaterThan(0);
    expect(readFileSync(join(job.outDir, 'report.md'), 'utf8')).toContain('## Model vs measured');
    const finished = await readFinishedRuns(job.outDir);
    const runsByPlan = new Map([[plan.name, [...finished.values()].flat()]]);

    const written = await writeJobCalibration(job.outDir, manifest, runsByPlan, { createdAt: new Date().toISOString(), hostCpu });
    expect(written.path, 'reason' in written ? written.reason : '').toBe(join(job.outDir, 'calibration.json'));
    if (written.path === null) return;
    const { calibration } = written;
    expect(listIssues(CalibrationSchema, calibration)).toEqual([]);
    expect(calibration.runs).toHaveLength(1);
    expect(calibration.costs.app!.source).toBe('fit');
    // A feed read costs the app some CPU, and nginx and Redis a little. Two steps of one
    // configuration cannot say which unit of a feed read costs what (every unit moves with the
    // rate), so the check is on the app's CPU per request of the replayed work, not per unit.
    const measuredRuns = measuredRunsOfJob(manifest, runsByPlan);
    const workload = { seed: run.seed, overrides: {} };
    for (const interval of replayRun(measuredRuns[0]!, workload, hostCpu).intervals) {
      const feedRead = interval.work.classes.find((c) => c.endpoint === 'feed.read')!;
      expect(tierCostS(calibration, 'app', feedRead.units) * 1e6).toBeGreaterThan(20);
      expect(tierCostS(calibration, 'nginx', feedRead.units)).toBeGreaterThan(0);
    }

    const rows = compareRuns({ runs: measuredRuns, workload, hostCpu }, calibration);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(Math.abs(row.error.throughput!)).toBeLessThan(0.1);
      // In-sample but on a shared, noisy machine: within a factor of 3.
      expect(row.predicted.p50Ms! / row.measured.p50Ms!).toBeGreaterThan(1 / 3);
      expect(row.predicted.p50Ms! / row.measured.p50Ms!).toBeLessThan(3);
    }
  });
});
