import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureCommand } from '../lib/debian-packages.ts';
import { createLogger } from '../lib/logger.ts';

/**
 * Headless chromium for the tests that render a page (the report, clinic's output): Debian's
 * chromium, installed on first use where the harness may install (root on Debian/Ubuntu), as
 * the Docker engine is; elsewhere the test fails and says what to install. It never skips.
 * Every network feature is off: a page that tried to fetch would show it.
 */
export function chromiumPath(): string {
  ensureCommand('chromium', 'chromium', createLogger('warn'), 'CFG_ERR_FILE');
  return 'chromium';
}

function chromiumArgs(profileDir: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profileDir}`,
  ];
}

/** Renders `url` to a PNG of the window size; returns chromium's stderr for messages. */
export function screenshot(url: string, pngPath: string, workDir: string, size = { width: 1280, height: 2000 }, virtualTimeBudgetMs?: number): { status: number | null; stderr: string; error?: Error } {
  const args = [...chromiumArgs(join(workDir, 'profile-shot')), `--screenshot=${pngPath}`, `--window-size=${size.width},${size.height}`];
  if (virtualTimeBudgetMs !== undefined) args.push(`--virtual-time-budget=${virtualTimeBudgetMs}`);
  const shot = spawnSync(chromiumPath(), [...args, url], { encoding: 'utf8', timeout: 120_000 });
  return { status: shot.status, stderr: shot.stderr, ...(shot.error ? { error: shot.error } : {}) };
}

/** The DOM after the page's scripts ran (`--dump-dom`). */
export function dumpDom(url: string, workDir: string, virtualTimeBudgetMs?: number): { status: number | null; stdout: string; stderr: string } {
  const args = [...chromiumArgs(join(workDir, 'profile-dom')), '--dump-dom'];
  if (virtualTimeBudgetMs !== undefined) args.push(`--virtual-time-budget=${virtualTimeBudgetMs}`);
  const dom = spawnSync(chromiumPath(), [...args, url], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: dom.status, stdout: dom.stdout, stderr: dom.stderr };
}

/** Width and height from the IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG: bad signature');
  if (bytes.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('not a PNG: no IHDR chunk first');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
