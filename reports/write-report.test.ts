import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReport } from './build-report.ts';
import { renderJson, validateReport } from './render/json.ts';
import { renderMarkdown } from './render/markdown.ts';
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
  it('creates the folder and writes report.json and report.md with no temp files left', async () => {
    const dir = join(await freshDir(), 'out', 'run-1');
    const paths = await writeReport(dir, report);
    expect(paths).toEqual({ jsonPath: join(dir, 'report.json'), markdownPath: join(dir, 'report.md') });
    expect((await readdir(dir)).sort()).toEqual(['report.json', 'report.md']);
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

  it('refuses a report that breaks its schema and writes nothing', async () => {
    const dir = join(await freshDir(), 'out');
    const broken = { ...report, metadata: { ...report.metadata, createdAt: 'now' } };
    await expect(writeReport(dir, broken)).rejects.toThrow(/\/metadata\/createdAt/);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});
