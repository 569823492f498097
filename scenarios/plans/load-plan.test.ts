import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkloadModel, deriveOperationMix } from '../workload/model.ts';
import { loadPlan, resolvePlanPath } from './load-plan.ts';

const dir = mkdtempSync(join(tmpdir(), 'feedscale-plans-'));
function writePlan(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadPlan', () => {
  it.each(['feed-read', 'like-storm', 'mixed', 'ramp'])('loads the bundled plan %s by name', async (name) => {
    const plan = await loadPlan(name);
    expect(plan.name).toBe(name);
    expect(plan.description.length).toBeGreaterThan(20);
  });

  it('keeps feed-read small enough for a 2-core machine: feed reads only, at most 200 rps for at most 30 s', async () => {
    const plan = await loadPlan('feed-read');
    expect(plan.mix).toEqual({ 'feed.read': 1 });
    expect(plan.arrival).toEqual({ kind: 'constant', rateRps: 150 });
    expect(plan.durationS).toBeLessThanOrEqual(30);
    expect(plan.warmupS).toBe(5);
  });

  it('keeps mixed.json on the workload model\'s derived mix', async () => {
    const plan = await loadPlan('mixed');
    const derived = deriveOperationMix(createWorkloadModel());
    for (const [endpoint, weight] of Object.entries(derived)) {
      expect(plan.mix[endpoint as keyof typeof derived], endpoint).toBeCloseTo(weight, 4);
    }
  });

  it('loads a plan from a path', async () => {
    const path = writePlan('mine.json', JSON.stringify({ name: 'mine', arrival: { kind: 'constant', rateRps: 1 }, durationS: 1, mix: { 'media.read': 1 } }));
    expect((await loadPlan(path)).name).toBe('mine');
    expect(resolvePlanPath('feed-read')).toMatch(/scenarios\/plans\/feed-read\.json$/);
  });

  it('reports a missing file as CFG_ERR_FILE naming the path', async () => {
    await expect(loadPlan('no-such-plan')).rejects.toMatchObject({ code: 'CFG_ERR_FILE', message: expect.stringMatching(/no-such-plan.*ENOENT/) });
  });

  it('reports broken JSON as CFG_ERR_FILE', async () => {
    await expect(loadPlan(writePlan('broken.json', '{ "name": '))).rejects.toMatchObject({ code: 'CFG_ERR_FILE' });
  });

  it('reports a schema violation as CFG_ERR_INVALID with the field path', async () => {
    const path = writePlan('bad.json', JSON.stringify({ name: 'bad', arrival: { kind: 'constant', rateRps: -5 }, durationS: 1, mix: { 'feed.read': 1 } }));
    await expect(loadPlan(path)).rejects.toMatchObject({ code: 'CFG_ERR_INVALID', message: expect.stringContaining('/arrival/rateRps') });
  });
});
