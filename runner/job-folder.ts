import { mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FeedscaleError } from '../lib/errors.ts';
import { listIssues } from '../lib/validate.ts';
import { type RunResult, RunResultSchema } from '../lib/result-schema.ts';
import type { Plan } from '../scenarios/plans/plan-schema.ts';
import type { ResolvedConfiguration, RunConfig } from './run-config.ts';

/**
 * One main job's folder: config.json (exactly what runs), runs/<plan>/<configuration>.r<n>.json
 * written as each run finishes, and the reports. `feedscale run --resume <folder>` reads it
 * back and runs only what is missing, so an interrupted job loses nothing it measured.
 */
export interface JobManifest {
  run: RunConfig;
  configurations: ResolvedConfiguration[];
  plans: Plan[];
}

export const MANIFEST_FILE = 'config.json';

/** `<configuration>.r<repeat>.json` for a repeat's first attempt, `.r<repeat>.a<attempt>.json` for a re-run. */
export function runFileName(configuration: string, repeat: number, attempt = 0): string {
  return attempt === 0 ? `${configuration}.r${repeat}.json` : `${configuration}.r${repeat}.a${attempt}.json`;
}

/** The key of one repeat of one configuration in one plan: its attempts share it. */
export function slotKey(plan: string, configuration: string, repeat: number): string {
  return `${plan}/${configuration}.r${repeat}`;
}

export async function createJobFolder(outDir: string, createdAt: string, id: string, manifest: JobManifest): Promise<string> {
  const dir = resolve(outDir, `${createdAt.replace(/[:.]/g, '-')}-${id}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

export async function readManifest(dir: string): Promise<JobManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `cannot resume ${dir}: ${path} is missing (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return JSON.parse(text) as JobManifest;
  } catch (err) {
    throw new FeedscaleError('CFG_ERR_FILE', `cannot resume ${dir}: ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function writeRunResult(dir: string, plan: string, result: RunResult): Promise<void> {
  const planDir = join(dir, 'runs', plan);
  await mkdir(planDir, { recursive: true });
  const path = join(planDir, runFileName(result.configuration, result.repeat, result.attempt));
  await writeFile(`${path}.tmp`, `${JSON.stringify(result)}\n`);
  await rename(`${path}.tmp`, path);
}

/**
 * Finished runs of a job folder by slot ("<plan>/<configuration>.r<n>", slotKey), each slot's
 * attempts in order; files that do not validate are ignored (they will run again).
 */
export async function readFinishedRuns(dir: string): Promise<Map<string, RunResult[]>> {
  const done = new Map<string, RunResult[]>();
  const runsDir = join(dir, 'runs');
  const plans = await readdir(runsDir).catch(() => [] as string[]);
  for (const plan of plans) {
    for (const file of await readdir(join(runsDir, plan)).catch(() => [] as string[])) {
      if (!file.endsWith('.json')) continue;
      try {
        const value = JSON.parse(await readFile(join(runsDir, plan, file), 'utf8')) as unknown;
        if (listIssues(RunResultSchema, value).length === 0) {
          const result = value as RunResult;
          const key = slotKey(plan, result.configuration, result.repeat);
          done.set(key, [...(done.get(key) ?? []), result].sort((a, b) => a.attempt - b.attempt));
        }
      } catch {
        // A file cut short by a crash: that run is simply done again.
      }
    }
  }
  return done;
}

/** Points <outDir>/latest at the job folder (best effort: a filesystem without symlinks just lacks it). */
export async function linkLatest(outDir: string, dir: string): Promise<void> {
  const latest = resolve(outDir, 'latest');
  await rm(latest, { force: true });
  await symlink(dir, latest).catch(() => undefined);
}
