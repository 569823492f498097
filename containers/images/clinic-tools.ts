import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type Dockerode from 'dockerode';
import type { Logger } from '../../lib/logger.ts';
import { BUILD_DIR, IMAGES_DIR, REPO_ROOT } from './bundle.ts';
import { type BuiltImage, buildImage, imageExists } from './image-build.ts';

/**
 * clinic (a devDependency) and its whole dependency tree, exactly as they resolve in the host's
 * node_modules, in an image of their own: files only (FROM scratch), which the app image copies
 * to /opt/clinic (containers/images/app/Dockerfile). No registry is needed in either catalog,
 * and an app rebuild reuses the cached copy layer instead of re-sending ~67 MB of files.
 *
 * The tag is a hash of the tree's identity: each package's path, version and lockfile integrity
 * (package-lock.json; a package without one is hashed file by file), the Dockerfile and the
 * trimming rule. Computing it reads package.json files only, so `catalogNames` (deploy) and
 * every run can afford it; the tree is copied into a build context only when the image is missing.
 */

const REPOSITORY = 'feedscale/clinic-tools';
const DOCKERFILE_DIR = join(IMAGES_DIR, 'clinic');
/**
 * Type declarations and source maps: never read by clinic at run time (30 MB of the tree).
 * Markdown stays: doctor reads its recommendations from .md files.
 */
const DROPPED = /\.(map|d\.ts|d\.mts|d\.cts)$/i;
/** Bump when DROPPED or the copy changes: it is part of the tag. */
const RECIPE_VERSION = 2;

interface LockEntry {
  version?: string;
  integrity?: string;
}

/** The folder of package `name` as Node resolves it from `fromDir`, inside the repository. */
function resolvePackageDir(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; dir.startsWith(REPO_ROOT); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === REPO_ROOT) break;
  }
  return undefined;
}

/**
 * Every package folder clinic needs (dependencies and installed optional dependencies,
 * transitively), relative to the repository root and sorted; empty when clinic is not installed
 * (`npm ci --omit=dev`).
 */
export function clinicPackageDirs(): string[] {
  const root = join(REPO_ROOT, 'node_modules', 'clinic');
  if (!existsSync(join(root, 'package.json'))) return [];
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      const found = resolvePackageDir(dir, name);
      if (!found) throw new Error(`clinic's dependency tree is incomplete: ${relative(REPO_ROOT, dir)} needs ${name}, which is not installed (npm ci)`);
      visit(found);
    }
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      const found = resolvePackageDir(dir, name);
      if (found) visit(found);
    }
  };
  visit(root);
  return [...seen].map((dir) => relative(REPO_ROOT, dir)).sort();
}

/** Whether the host has clinic installed, so the app image carries it (`--profile` needs it). */
export function clinicInstalled(): boolean {
  return existsSync(join(REPO_ROOT, 'node_modules', 'clinic', 'package.json'));
}

/** A package's files, without its nested node_modules, sorted. */
function filesOf(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...filesOf(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/** The inputs hash of the clinic image (see the module comment). */
export async function clinicInputsHash(packageDirs: readonly string[] = clinicPackageDirs()): Promise<string> {
  const lock = existsSync(join(REPO_ROOT, 'package-lock.json'))
    ? ((JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages?: Record<string, LockEntry> }).packages ?? {})
    : {};
  const hash = createHash('sha256');
  hash.update(`recipe:${RECIPE_VERSION}\0${DROPPED.source}\0`);
  hash.update(await readFile(join(DOCKERFILE_DIR, 'Dockerfile')));
  for (const dir of packageDirs) {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { version?: string };
    const entry = lock[dir];
    hash.update(`\0pkg:${dir}@${version ?? ''}\0`);
    if (entry?.integrity && entry.version === version) {
      hash.update(entry.integrity);
      continue;
    }
    // Not from the registry as locked (linked, patched): its bytes are its identity.
    for (const file of filesOf(join(REPO_ROOT, dir))) {
      hash.update(`\0file:${relative(REPO_ROOT, file)}\0`);
      hash.update(await readFile(file));
    }
  }
  return hash.digest('hex');
}

/** The tag of the clinic image for the host's node_modules, without building anything. */
export async function clinicImageTag(): Promise<string> {
  return `${REPOSITORY}:${(await clinicInputsHash()).slice(0, 16)}`;
}

/**
 * Makes the clinic image present: built from a context holding the trimmed tree under
 * node_modules/ (an empty tree when clinic is not installed: the app image then has no clinic,
 * and `--profile` says so before anything starts).
 */
export async function ensureClinicImage(docker: Dockerode, log: Logger): Promise<BuiltImage> {
  const started = Date.now();
  const packageDirs = clinicPackageDirs();
  const inputsHash = await clinicInputsHash(packageDirs);
  const tag = `${REPOSITORY}:${inputsHash.slice(0, 16)}`;
  if (await imageExists(docker, tag)) return { tag, cached: true, elapsedMs: Date.now() - started };
  if (packageDirs.length === 0) log.warn('clinic is not installed (a devDependency: npm ci); the app image will have no clinic and --profile will not run');
  // Per process: two feedscale processes on one checkout may both find the image missing.
  const contextDir = join(BUILD_DIR, `clinic-tools-${process.pid}`);
  await rm(contextDir, { recursive: true, force: true });
  await mkdir(join(contextDir, 'node_modules'), { recursive: true });
  await cp(join(DOCKERFILE_DIR, 'Dockerfile'), join(contextDir, 'Dockerfile'));
  for (const dir of packageDirs) {
    const from = join(REPO_ROOT, dir);
    const nested = join(from, 'node_modules');
    // Each package without its nested node_modules: the packages it needs from there are in the list themselves.
    await cp(from, join(contextDir, dir), { recursive: true, filter: (src) => !(src === nested || src.startsWith(`${nested}/`)) && !DROPPED.test(src) });
  }
  try {
    await buildImage(docker, { tag, inputsHash, contextDir }, log);
  } finally {
    await rm(contextDir, { recursive: true, force: true });
  }
  return { tag, cached: false, elapsedMs: Date.now() - started };
}
