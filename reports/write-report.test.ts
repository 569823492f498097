import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport } from './build-report.ts';
import { renderJson, validateReport } from './render/json.ts';
import { renderMarkdown } from './render/markdown.ts';
import { renderHtml } from './render/html.ts';
import { renderJUnit } from './render/junit.ts';
import { evaluateGate } from './gate/evaluate-gate.ts';
import { standardInput } from './testing/run-fixtures.ts';
import { writeReport } from './write-report.ts';

const report = buildReport(standardInput());
const made: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'feedscale-report-'));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('writeReport', () => {
  it('creates the folder and writes report.json, report.md and report.html with no temp files left', async () => {
    const dir = join(await freshDir(), 'out', 'run-1');
    const paths = await writeReport(dir, report);
    expect(paths).toEqual({ jsonPath: join(dir, 'report.json'), markdownPath: join(dir, 'report.md'), htmlPath: join(dir, 'report.html') });
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.json', 'report.md']);
    expect(await readFile(paths.htmlPath, 'utf8')).toBe(renderHtml(report));
    const json = await readFile(paths.jsonPath, 'utf8');
    expect(json).toBe(renderJson(report));
    expect(validateReport(json)).toEqual([]);
    expect(await readFile(paths.markdownPath, 'utf8')).toBe(renderMarkdown(report));
  });

  it('replaces an earlier report in the same folder', async () => {
    const dir = await freshDir();
    await writeReport(dir, { ...report, metadata: { ...report.metadata, seed: 1 } });
    await writeReport(dir, report);
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')).metadata.seed).toBe(42);
  });

  it('adds junit.xml and gate.md when a gate ran', async () => {
    const dir = await freshDir();
    const gate = evaluateGate({ candidate: report, candidateConfiguration: 'memcached-on', thresholds: ['*:p(99)<250'] });
    const paths = await writeReport(dir, report, { gate });
    expect((await readdir(dir)).sort()).toEqual(['gate.md', 'junit.xml', 'report.html', 'report.json', 'report.md']);
    expect(await readFile(paths.junitPath!, 'utf8')).toBe(renderJUnit(gate));
    // Two repeats of memcached-on: too few for an interval, so the gate cannot decide.
    expect(await readFile(paths.htmlPath, 'utf8')).toContain('<h2>Gate <span class="badge inconclusive">INCONCLUSIVE</span></h2>');
  });

  it('refuses a report that breaks its schema and writes nothing', async () => {
    const dir = join(await freshDir(), 'out');
    const broken = { ...report, metadata: { ...report.metadata, createdAt: 'now' } };
    await expect(writeReport(dir, broken)).rejects.toThrow(/\/metadata\/createdAt/);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});
