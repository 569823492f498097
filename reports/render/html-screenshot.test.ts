import { mkdir, mkdtemp, readFile, rm, stat, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport } from '../build-report.ts';
import { evaluateGate } from '../gate/evaluate-gate.ts';
import { showcaseInput } from '../testing/run-fixtures.ts';
import { renderHtml } from './html.ts';
import { dumpDom, pngSize, screenshot } from '../../test/chromium.ts';

/**
 * Renders report.html in a real browser (Debian's chromium, headless, every network feature off)
 * and checks the screenshot. chromium is installed on first use where the harness may install
 * (test/chromium.ts); elsewhere this test fails: it never skips.
 * The last screenshot is kept at out/screenshots/report.png for people to look at.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const made: string[] = [];

afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe('report.html in a headless browser', () => {
  it('renders to a screenshot of plausible size with all content in the DOM and nothing fetched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'feedscale-html-'));
    made.push(dir);
    const report = buildReport(showcaseInput());
    const gate = evaluateGate({ baseline: report, candidate: report, thresholds: ['feed.read:p(99)<=+10%', '*:error_rate<0.01', '*:p(99)<100'] });
    const html = renderHtml(report, { gate });
    const htmlPath = join(dir, 'report.html');
    const pngPath = join(dir, 'report.png');
    await writeFile(htmlPath, html, 'utf8');
    // Nothing in the page can make the browser fetch: no URL anywhere, no script, no link.
    expect(html).not.toMatch(/https?:\/\/|<script|<link|@import|url\(/i);

    const shot = screenshot(`file://${htmlPath}`, pngPath, dir);
    expect(shot.error, shot.stderr).toBeUndefined();
    const bytes = await readFile(pngPath);
    expect(pngSize(bytes)).toEqual({ width: 1280, height: 2000 });
    // A blank page compresses to a few KB; text, tables and charts make it far larger.
    expect((await stat(pngPath)).size).toBeGreaterThan(60_000);

    const dom = dumpDom(`file://${htmlPath}`, dir);
    expect(dom.status, dom.stderr).toBe(0);
    expect(dom.stdout).toContain('<h1>feed-read</h1>');
    // feed.read: percentiles, p99 and rps over time, rate; media.like: percentiles, rate; hit ratio; per-shard load.
    expect(dom.stdout.match(/<svg class="chart"/g)?.length).toBe(8);
    expect(dom.stdout).toContain('<h2>Server side</h2>');
    expect(dom.stdout.match(/<aside class="why-box">/g)?.length).toBe(2);
    expect(dom.stdout).not.toMatch(/https?:\/\//i);

    const keep = join(repoRoot, 'out', 'screenshots');
    await mkdir(keep, { recursive: true });
    await copyFile(pngPath, join(keep, 'report.png'));
  }, 120_000);
});
